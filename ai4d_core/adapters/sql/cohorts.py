"""Cohorts, their members and join codes in PostgreSQL (no authorization here: the services decide)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, and_, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError

from ai4d_core.adapters.sql.tables import Cohort, CohortInvite, CohortMember, User


class CohortNameTakenError(ValueError):
    """Another cohort already has this name."""


@dataclass(frozen=True, slots=True)
class CohortRecord:
    id: int
    name: str
    created_at: datetime
    created_by: int | None
    learners: int
    educators: int


@dataclass(frozen=True, slots=True)
class MemberRecord:
    user_id: int
    email: str
    display_name: str
    role: str


@dataclass(frozen=True, slots=True)
class InviteRecord:
    """A join code as stored: `id` is the hex of its hash (a handle to revoke it, not the code)."""

    id: str
    cohort_id: int
    created_by: int | None
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    uses: int


def _counts() -> tuple[object, object]:
    learners = func.count().filter(CohortMember.role == "learner").label("learners")
    educators = func.count().filter(CohortMember.role == "educator").label("educators")
    return learners, educators


class SqlCohortStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(self, name: str, created_by: int | None) -> int:
        try:
            with self._engine.begin() as conn:
                stmt = insert(Cohort).values(name=name, created_by=created_by).returning(Cohort.id)
                return int(conn.execute(stmt).scalar_one())
        except IntegrityError as exc:
            raise CohortNameTakenError(f"a cohort named {name!r} already exists") from exc

    def rename(self, cohort_id: int, name: str) -> None:
        try:
            with self._engine.begin() as conn:
                conn.execute(update(Cohort).where(Cohort.id == cohort_id).values(name=name))
        except IntegrityError as exc:
            raise CohortNameTakenError(f"a cohort named {name!r} already exists") from exc

    def listing(self, ids: Collection[int] | None = None) -> list[CohortRecord]:
        """Cohorts with their member counts, by name; `ids` None means all."""
        learners, educators = _counts()
        stmt = (
            select(Cohort.id, Cohort.name, Cohort.created_at, Cohort.created_by, learners, educators)  # type: ignore[call-overload]
            .outerjoin(CohortMember, CohortMember.cohort_id == Cohort.id)
            .group_by(Cohort.id)
            .order_by(Cohort.name)
        )
        if ids is not None:
            stmt = stmt.where(Cohort.id.in_(list(ids)))
        with self._engine.connect() as conn:
            return [CohortRecord(*row) for row in conn.execute(stmt)]

    def get(self, cohort_id: int) -> CohortRecord | None:
        found = self.listing([cohort_id])
        return found[0] if found else None

    def by_name(self, name: str) -> CohortRecord | None:
        with self._engine.connect() as conn:
            cohort_id = conn.execute(select(Cohort.id).where(Cohort.name == name)).scalar_one_or_none()
        return None if cohort_id is None else self.get(int(cohort_id))

    def members(self, cohort_id: int) -> list[MemberRecord]:
        stmt = (
            select(User.id, User.email, User.display_name, CohortMember.role)
            .join(CohortMember, CohortMember.user_id == User.id)
            .where(CohortMember.cohort_id == cohort_id)
            .order_by(CohortMember.role, User.display_name, User.id)
        )
        with self._engine.connect() as conn:
            return [MemberRecord(*row) for row in conn.execute(stmt)]

    def set_member(self, cohort_id: int, user_id: int, role: str) -> bool:
        """Make the user a member with `role` (changing the role if already a member); False if unchanged."""
        stmt = pg_insert(CohortMember).values(cohort_id=cohort_id, user_id=user_id, role=role)
        stmt = stmt.on_conflict_do_update(
            index_elements=[CohortMember.cohort_id, CohortMember.user_id],
            set_={"role": stmt.excluded.role},
            where=CohortMember.role != stmt.excluded.role,
        )
        with self._engine.begin() as conn:  # an INSERT's rowcount is not reported: ask for the row back
            return conn.execute(stmt.returning(CohortMember.user_id)).first() is not None

    def add_member_if_absent(self, cohort_id: int, user_id: int, role: str) -> bool:
        """Add the user unless they are already a member (in any role); True if added."""
        stmt = pg_insert(CohortMember).values(cohort_id=cohort_id, user_id=user_id, role=role)
        with self._engine.begin() as conn:
            return conn.execute(stmt.on_conflict_do_nothing().returning(CohortMember.user_id)).first() is not None

    def remove_member(self, cohort_id: int, user_id: int, role: str | None = None) -> bool:
        where = and_(CohortMember.cohort_id == cohort_id, CohortMember.user_id == user_id)
        if role is not None:
            where = and_(where, CohortMember.role == role)
        with self._engine.begin() as conn:
            return bool(conn.execute(delete(CohortMember).where(where)).rowcount)

    def cohorts_of(self, user_id: int, role: str) -> list[int]:
        stmt = select(CohortMember.cohort_id).where(CohortMember.user_id == user_id, CohortMember.role == role)
        with self._engine.connect() as conn:
            return sorted(int(r[0]) for r in conn.execute(stmt))

    def add_invite(self, code_hash: bytes, cohort_id: int, created_by: int | None, expires_at: datetime) -> None:
        values = {"code_hash": code_hash, "cohort_id": cohort_id, "created_by": created_by, "expires_at": expires_at}
        with self._engine.begin() as conn:
            conn.execute(insert(CohortInvite).values(**values))

    def invites(self, cohort_id: int) -> list[InviteRecord]:
        columns = (
            CohortInvite.code_hash, CohortInvite.cohort_id, CohortInvite.created_by, CohortInvite.created_at,
            CohortInvite.expires_at, CohortInvite.revoked_at, CohortInvite.uses,
        )  # fmt: skip
        stmt = select(*columns).where(CohortInvite.cohort_id == cohort_id).order_by(CohortInvite.created_at.desc())
        with self._engine.connect() as conn:
            return [InviteRecord(row[0].hex(), *row[1:]) for row in conn.execute(stmt)]

    def revoke_invite(self, cohort_id: int, code_hash: bytes, now: datetime) -> bool:
        live = and_(
            CohortInvite.code_hash == code_hash, CohortInvite.cohort_id == cohort_id, CohortInvite.revoked_at.is_(None)
        )
        with self._engine.begin() as conn:
            return bool(conn.execute(update(CohortInvite).where(live).values(revoked_at=now)).rowcount)

    def redeem(self, code_hash: bytes, now: datetime) -> int | None:
        """Count one use of a live code and return its cohort, or None (unknown, expired or revoked)."""
        live = and_(
            CohortInvite.code_hash == code_hash, CohortInvite.revoked_at.is_(None), CohortInvite.expires_at > now
        )
        stmt = update(CohortInvite).where(live).values(uses=CohortInvite.uses + 1).returning(CohortInvite.cohort_id)
        with self._engine.begin() as conn:
            cohort_id = conn.execute(stmt).scalar_one_or_none()
        return None if cohort_id is None else int(cohort_id)
