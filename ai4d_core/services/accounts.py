"""Accounts: creating users, logging in with throttling, and server-side sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ai4d_core.bootstrap import Container
from ai4d_core.ports import UserRecord
from ai4d_core.security.passwords import hash_password, verify_password
from ai4d_core.security.tokens import new_token, token_hash

ROLES = ("learner", "educator", "analyst", "admin")
LOGIN_FAILED = "Invalid e-mail or password."  # the same answer for unknown users and wrong passwords
LOGIN_THROTTLED = "Too many failed attempts; wait a few minutes and try again."


class LoginError(Exception):
    """A refused login; `str()` is safe to show."""


@dataclass(frozen=True, slots=True)
class SessionUser:
    """Who a session belongs to: what the dashboards may know of the user."""

    id: int
    email: str
    display_name: str
    role: str


def create_user(c: Container, email: str, display_name: str, role: str, password: str) -> int:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if "@" not in email or len(email) > 254:
        raise ValueError("a valid e-mail address is required")
    return c.users.add(email, display_name, role, hash_password(password))


def login(c: Container, email: str, password: str, source: str) -> str:
    """Check the credentials and open a session; returns the session token (for the cookie)."""
    settings = c.settings
    since = datetime.now(UTC) - timedelta(minutes=settings.login_window_minutes)
    by_account, by_source = c.users.recent_failures(email, source, since)
    if by_account >= settings.login_max_failures or by_source >= 4 * settings.login_max_failures:
        c.users.record_login(email, source, False)
        raise LoginError(LOGIN_THROTTLED)
    user = c.users.by_email(email)
    ok = verify_password(password, user.password_hash if user else None) and user is not None and user.is_active
    c.users.record_login(email, source, ok)
    if not ok or user is None:
        raise LoginError(LOGIN_FAILED)
    return open_session(c, user)


def open_session(c: Container, user: UserRecord) -> str:
    """A fresh random session (rotated at every login: a new token each time)."""
    token = new_token()
    expires = datetime.now(UTC) + timedelta(hours=c.settings.session_absolute_hours)
    c.users.create_session(user.id, token_hash(token), expires)
    return token


def session_user(c: Container, token: str | None) -> SessionUser | None:
    """The user of a live session, or None (unknown, revoked, idle too long, expired, or user disabled)."""
    return session_user_by_hash(c, token_hash(token)) if token else None


def session_user_by_hash(c: Container, hashed: bytes | None) -> SessionUser | None:
    """`session_user` for a token known only by its hash (what an open dashboard page keeps)."""
    if not hashed:
        return None
    now = datetime.now(UTC)
    idle_since = now - timedelta(minutes=c.settings.session_idle_minutes)
    user = c.users.session_user(hashed, now, idle_since)
    return SessionUser(user.id, user.email, user.display_name, user.role) if user else None


def logout(c: Container, token: str | None) -> None:
    if token:
        c.users.revoke_session(token_hash(token))


def disable_user(c: Container, user_id: int) -> None:
    """Disable an account and revoke every session it has."""
    c.users.set_active(user_id, False)
    c.users.revoke_all_sessions(user_id)
