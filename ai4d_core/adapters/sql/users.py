"""Users, sessions, login attempts and cohorts in PostgreSQL (the `UserStore` port)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, and_, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ai4d_core.adapters.sql.tables import Cohort, CohortMember, LoginAttempt, Session, User
from ai4d_core.ports import UserRecord

_USER_COLUMNS = (User.id, User.email, User.display_name, User.role, User.password_hash, User.is_active)


class SqlUserStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, email: str, display_name: str, role: str, password_hash: str) -> int:
        with self._engine.begin() as conn:
            stmt = insert(User).values(
                email=email.strip().lower(), display_name=display_name, role=role, password_hash=password_hash
            )
            return int(conn.execute(stmt.returning(User.id)).scalar_one())

    def get(self, user_id: int) -> UserRecord | None:
        return self._one(User.id == user_id)

    def by_email(self, email: str) -> UserRecord | None:
        return self._one(User.email == email.strip().lower())

    def _one(self, where: object) -> UserRecord | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(*_USER_COLUMNS).where(where)).first()  # type: ignore[arg-type]
        return UserRecord(*row) if row else None

    def set_active(self, user_id: int, active: bool) -> None:
        with self._engine.begin() as conn:
            conn.execute(update(User).where(User.id == user_id).values(is_active=active))

    def create_session(self, user_id: int, token_hash: bytes, expires_at: datetime) -> None:
        with self._engine.begin() as conn:
            conn.execute(insert(Session).values(token_hash=token_hash, user_id=user_id, expires_at=expires_at))

    def session_user(self, token_hash: bytes, now: datetime, idle_since: datetime) -> UserRecord | None:
        """The active user of a live session (not revoked, not expired, used since `idle_since`); touches it."""
        live = and_(
            Session.token_hash == token_hash,
            Session.revoked_at.is_(None),
            Session.expires_at > now,
            Session.last_seen_at > idle_since,
        )
        with self._engine.begin() as conn:
            user_id = conn.execute(
                update(Session).where(live).values(last_seen_at=now).returning(Session.user_id)
            ).scalar_one_or_none()
            if user_id is None:
                return None
            row = conn.execute(select(*_USER_COLUMNS).where(User.id == user_id, User.is_active)).first()
        return UserRecord(*row) if row else None

    def revoke_session(self, token_hash: bytes) -> None:
        with self._engine.begin() as conn:
            conn.execute(update(Session).where(Session.token_hash == token_hash).values(revoked_at=func.now()))

    def revoke_all_sessions(self, user_id: int) -> int:
        with self._engine.begin() as conn:
            done = conn.execute(
                update(Session)
                .where(Session.user_id == user_id, Session.revoked_at.is_(None))
                .values(revoked_at=func.now())
            )
            return int(done.rowcount)

    def record_login(self, account: str, source: str, succeeded: bool) -> None:
        with self._engine.begin() as conn:
            conn.execute(insert(LoginAttempt).values(account=account.lower(), source=source, succeeded=succeeded))

    def recent_failures(self, account: str, source: str, since: datetime) -> tuple[int, int]:
        """Failed logins since `since`: (for this account from anywhere, from this source for any account)."""
        failed = and_(LoginAttempt.at > since, LoginAttempt.succeeded.is_(False))
        with self._engine.connect() as conn:
            by_account = conn.execute(
                select(func.count()).where(failed, LoginAttempt.account == account.lower())
            ).scalar_one()
            by_source = conn.execute(select(func.count()).where(failed, LoginAttempt.source == source)).scalar_one()
        return int(by_account), int(by_source)

    def add_cohort(self, name: str) -> int:
        with self._engine.begin() as conn:
            stmt = pg_insert(Cohort).values(name=name)
            stmt = stmt.on_conflict_do_update(index_elements=[Cohort.name], set_={"name": stmt.excluded.name})
            return int(conn.execute(stmt.returning(Cohort.id)).scalar_one())

    def add_member(self, cohort_id: int, user_id: int, role: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                pg_insert(CohortMember).values(cohort_id=cohort_id, user_id=user_id, role=role).on_conflict_do_nothing()
            )

    def cohorts_of(self, user_id: int, role: str) -> list[int]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(CohortMember.cohort_id).where(CohortMember.user_id == user_id, CohortMember.role == role)
            )
            return sorted(int(r[0]) for r in rows)
