"""Users, sessions, login throttling, e-mail tokens and cohorts in PostgreSQL (the `UserStore` port).

Throttling is race-free: `reserve_check` takes transaction-scoped advisory locks on the account and the
source (always in that order, so never a deadlock), counts the window's checks and inserts the attempt in the
same transaction, so concurrent guesses cannot slip past the budget. Tokens are consumed by one
`UPDATE … WHERE used_at IS NULL AND expires_at > now AND purpose = :p RETURNING`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, Engine, and_, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ai4d_core.adapters.sql.tables import AuthToken, Cohort, CohortMember, LoginAttempt, Session, User
from ai4d_core.ports import UserRecord
from ai4d_core.security.throttle import Limits

_USER_COLUMNS = (
    User.id, User.email, User.display_name, User.role, User.password_hash, User.is_active,
    User.email_verified_at.is_not(None), User.password_changed_at,
)  # fmt: skip
PROFILE_FIELDS = ("field_of_interest", "current_role", "goal", "hours_per_week")


def _email(email: str) -> str:
    return email.strip().lower()


class SqlUserStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, email: str, display_name: str, role: str, password_hash: str, *, verified: bool = True) -> int:
        """A user made by an admin, the CLI or the demo (verified unless told otherwise)."""
        with self._engine.begin() as conn:
            stmt = insert(User).values(
                email=_email(email), display_name=display_name, role=role, password_hash=password_hash,
                email_verified_at=func.now() if verified else None,
            )  # fmt: skip
            return int(conn.execute(stmt.returning(User.id)).scalar_one())

    def register(self, email: str, display_name: str, password_hash: str, profile: Mapping[str, object]) -> int | None:
        """A self-registered, unverified learner; None if the e-mail is taken (no error, no race)."""
        values = {k: profile.get(k) for k in PROFILE_FIELDS}
        stmt = pg_insert(User).values(
            email=_email(email), display_name=display_name, role="learner", password_hash=password_hash, **values
        )
        with self._engine.begin() as conn:
            new = conn.execute(stmt.on_conflict_do_nothing(index_elements=[User.email]).returning(User.id))
            user_id = new.scalar_one_or_none()
        return int(user_id) if user_id is not None else None

    def get(self, user_id: int) -> UserRecord | None:
        return self._one(User.id == user_id)

    def by_email(self, email: str) -> UserRecord | None:
        return self._one(User.email == _email(email))

    def _one(self, where: object) -> UserRecord | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(*_USER_COLUMNS).where(where)).first()  # type: ignore[arg-type]
        return UserRecord(*row) if row else None

    def set_active(self, user_id: int, active: bool) -> None:
        with self._engine.begin() as conn:
            conn.execute(update(User).where(User.id == user_id).values(is_active=active))

    def set_role(self, user_id: int, role: str) -> str | None:
        """Change the role; returns the previous one (None for an unknown user)."""
        with self._engine.begin() as conn:
            old = conn.execute(select(User.role).where(User.id == user_id).with_for_update()).scalar_one_or_none()
            if old is not None:
                conn.execute(update(User).where(User.id == user_id).values(role=role))
        return str(old) if old is not None else None

    def mark_verified(self, user_id: int) -> None:
        with self._engine.begin() as conn:
            conn.execute(update(User).where(User.id == user_id, User.email_verified_at.is_(None)).values(
                email_verified_at=func.now()
            ))  # fmt: skip

    def set_password(self, user_id: int, password_hash: str, keep_session: bytes | None) -> int:
        """New hash and `password_changed_at`; revokes every session but `keep_session`. Returns how many."""
        with self._engine.begin() as conn:
            conn.execute(update(User).where(User.id == user_id).values(
                password_hash=password_hash, password_changed_at=func.now()
            ))  # fmt: skip
            return _revoke(conn, user_id, keep_session)

    def rehash(self, user_id: int, password_hash: str) -> None:
        """Upgrade a hash to today's parameters (same password: sessions and throttle untouched)."""
        with self._engine.begin() as conn:
            conn.execute(update(User).where(User.id == user_id).values(password_hash=password_hash))

    # Sessions.
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

    def revoke_session(self, token_hash: bytes) -> int | None:
        """Revoke one session; returns its user's id if it was live."""
        with self._engine.begin() as conn:
            user_id = conn.execute(
                update(Session)
                .where(Session.token_hash == token_hash, Session.revoked_at.is_(None))
                .values(revoked_at=func.now())
                .returning(Session.user_id)
            ).scalar_one_or_none()
        return int(user_id) if user_id is not None else None

    def revoke_all_sessions(self, user_id: int) -> int:
        with self._engine.begin() as conn:
            return _revoke(conn, user_id, None)

    # Login throttling.
    def reserve_check(
        self, account: str, source: str, device: str | None, account_since: datetime, source_since: datetime,
        limits: Limits,
    ) -> int | None:  # fmt: skip
        """Record an attempt: a password check (its id, to `finish_check`) if every budget allows, else None
        (the attempt is recorded as throttled, which no budget counts)."""
        account = _email(account)[:254]
        checks = LoginAttempt.throttled.is_(False)
        with self._engine.begin() as conn:
            for key in (f"ai4d-login-account:{account}", f"ai4d-login-source:{source}"):
                conn.execute(text("select pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": key})
            mine = and_(checks, LoginAttempt.account == account, LoginAttempt.at > account_since)
            if device is None:
                used, limit = _count(conn, and_(mine, LoginAttempt.device.is_(None))), limits.per_account
            else:
                used, limit = _count(conn, and_(mine, LoginAttempt.device == device)), limits.per_device
            from_source = _count(conn, and_(checks, LoginAttempt.source == source, LoginAttempt.at > source_since))
            throttled = used >= limit or from_source >= limits.per_source
            attempt = conn.execute(
                insert(LoginAttempt)
                .values(account=account, source=source, succeeded=False, throttled=throttled, device=device)
                .returning(LoginAttempt.id)
            ).scalar_one()
        return None if throttled else int(attempt)

    def finish_check(self, attempt_id: int, succeeded: bool) -> None:
        if succeeded:
            with self._engine.begin() as conn:
                conn.execute(update(LoginAttempt).where(LoginAttempt.id == attempt_id).values(succeeded=True))

    # E-mail tokens (verification and reset).
    def add_token(self, user_id: int, token_hash: bytes, purpose: str, expires_at: datetime) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                insert(AuthToken).values(token_hash=token_hash, user_id=user_id, purpose=purpose, expires_at=expires_at)
            )

    def tokens_since(self, user_id: int, purpose: str, since: datetime) -> tuple[int, datetime | None]:
        """How many tokens of `purpose` were issued to the user since `since`, and when the last one was."""
        with self._engine.connect() as conn:
            row = conn.execute(
                select(func.count(), func.max(AuthToken.created_at)).where(
                    AuthToken.user_id == user_id, AuthToken.purpose == purpose, AuthToken.created_at > since
                )
            ).one()
        return int(row[0]), row[1]

    def token_user(self, token_hash: bytes, purpose: str, now: datetime) -> int | None:
        """Whose usable token this is, without using it."""
        with self._engine.connect() as conn:
            user_id = conn.execute(select(AuthToken.user_id).where(_usable(token_hash, purpose, now))).scalar()
        return int(user_id) if user_id is not None else None

    def use_token(self, token_hash: bytes, purpose: str, now: datetime) -> int | None:
        """Consume a token once (and the user's other tokens of that purpose); its user, or None."""
        with self._engine.begin() as conn:
            return _use(conn, token_hash, purpose, now)

    def reset_with_token(self, token_hash: bytes, password_hash: str, now: datetime) -> int | None:
        """In one transaction: use a reset token, set the password, mark the e-mail verified (the link proved
        it), revoke every session. Returns the user's id, or None (nothing changes) for an unusable token."""
        with self._engine.begin() as conn:
            user_id = _use(conn, token_hash, "reset", now)
            if user_id is None:
                return None
            conn.execute(update(User).where(User.id == user_id).values(
                password_hash=password_hash, password_changed_at=func.now(),
                email_verified_at=func.coalesce(User.email_verified_at, func.now()),
            ))  # fmt: skip
            _revoke(conn, user_id, None)
        return user_id

    # Cohorts (kept for the demo; the cohort service has its own adapter).
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


def _count(conn: Connection, where: ColumnElement[bool]) -> int:
    return int(conn.execute(select(func.count()).select_from(LoginAttempt).where(where)).scalar_one())


def _usable(token_hash: bytes, purpose: str, now: datetime) -> ColumnElement[bool]:
    return and_(
        AuthToken.token_hash == token_hash, AuthToken.purpose == purpose,
        AuthToken.used_at.is_(None), AuthToken.expires_at > now,
    )  # fmt: skip


def _use(conn: Connection, token_hash: bytes, purpose: str, now: datetime) -> int | None:
    user_id = conn.execute(
        update(AuthToken).where(_usable(token_hash, purpose, now)).values(used_at=now).returning(AuthToken.user_id)
    ).scalar_one_or_none()
    if user_id is None:
        return None
    conn.execute(
        update(AuthToken)
        .where(AuthToken.user_id == user_id, AuthToken.purpose == purpose, AuthToken.used_at.is_(None))
        .values(used_at=now)
    )
    return int(user_id)


def _revoke(conn: Connection, user_id: int, keep: bytes | None) -> int:
    where = and_(Session.user_id == user_id, Session.revoked_at.is_(None))
    if keep is not None:
        where = and_(where, Session.token_hash != keep)
    return int(conn.execute(update(Session).where(where).values(revoked_at=func.now())).rowcount)
