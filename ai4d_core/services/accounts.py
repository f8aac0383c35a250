"""Accounts: sign-up, e-mail verification, login with throttling, sessions, reset, change, disable, roles.

Decisions (README "Accounts"):
- Sign-up answers the same whatever the e-mail: a new address gets an unverified learner and a verification
  link; a taken one hashes the password all the same (equal work) and, if that account is still unverified,
  gets a fresh link (rate-limited), else nothing. The response never says which.
- Like Moodle, an account must confirm its e-mail before its first login: a correct password on an unverified
  account is refused with a "confirm your address" message (only someone who knows the password sees it).
  Accounts made by an admin, the CLI or the demo are verified.
- Tokens: 256 random bits, stored as SHA-256, single use, verification 24 h, reset 1 h; using one uses the
  user's other tokens of that purpose. Mails: at most one per purpose per 5 minutes and 5 a day per account.
- Sessions end on logout (that one), reset and disable (all), password change (all but the current one).
- Login throttling: see `ai4d_core.security.throttle`. A reset or change starts the account's budget afresh
  (checks before `password_changed_at` no longer count); the rows stay for the audit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError

from ai4d_core.bootstrap import Container
from ai4d_core.ports import UserRecord
from ai4d_core.security import device as devices
from ai4d_core.security.blocklist import context_words
from ai4d_core.security.passwords import dummy_work, hash_password, needs_rehash, upgrade_hash, verify_password
from ai4d_core.security.throttle import Limits
from ai4d_core.security.tokens import new_token, token_hash
from ai4d_core.services import audit
from ai4d_core.services.account_forms import Registration, clean_name, form_errors, normalize_email
from ai4d_core.services.mail import enqueue_mail

ROLES = ("learner", "educator", "analyst", "admin")
LOGIN_FAILED = "Invalid e-mail or password."  # the same answer for unknown users and wrong passwords
LOGIN_THROTTLED = "Too many attempts for this account or from your network; wait 15 minutes and try again."
LOGIN_UNVERIFIED = "Please confirm your e-mail address first: follow the link we sent you, or ask for a new one."
WRONG_CURRENT = "Your current password is not right."
TOKEN_INVALID = "This link is invalid, has expired or has already been used."  # noqa: S105 - a message
VERIFY_HOURS = 24
RESET_HOURS = 1
MAIL_GAP = timedelta(minutes=5)
MAIL_PER_DAY = 5


class LoginError(Exception):
    """A refused login; `str()` is safe to show."""


class ThrottledError(LoginError):
    """Refused before any password check: a budget of the window is used up."""


class UnverifiedError(LoginError):
    """The right password, but the e-mail address is not confirmed yet."""


class TokenError(ValueError):
    """A verification or reset token that cannot be used (unknown, used, expired, other purpose)."""


@dataclass(frozen=True, slots=True)
class SessionUser:
    """Who a session belongs to: what the dashboards may know of the user."""

    id: int
    email: str
    display_name: str
    role: str


def _now() -> datetime:
    return datetime.now(UTC)


def _link(c: Container, path: str, token: str) -> str:
    return f"{c.settings.public_url.rstrip('/')}/{path}?token={token}"


def _words(user: UserRecord) -> list[str]:
    return context_words(user.email, user.display_name)


def create_user(
    c: Container, email: str, display_name: str, role: str, password: str, *, actor_id: int | None = None,
    source: str = "",
) -> int:  # fmt: skip
    """An account made by an admin, the CLI or the demo: verified, policy-checked; ValueError says what is wrong."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    email, display_name = normalize_email(email), clean_name(display_name)
    password_hash = hash_password(password, context_words(email, display_name))
    try:
        user_id = c.users.add(email, display_name, role, password_hash)
    except IntegrityError:
        raise ValueError("an account with this e-mail address already exists") from None
    audit.record(c, "registered", actor_id=actor_id, target_id=user_id, source=source, via="admin", role=role)
    return user_id


def login(c: Container, email: str, password: str, source: str, device: str | None = None) -> str:
    """Check the credentials and open a session; returns the session token (for the cookie).

    `device`: the raw `ai4d_device` cookie, if the browser sent one. Raises `LoginError` (or its
    `ThrottledError` / `UnverifiedError`), whose text is safe to show.
    """
    account = email.strip().lower()
    if not account or len(account) > 254:
        raise LoginError(LOGIN_FAILED)
    user = c.users.by_email(account)
    now = _now()
    window = now - timedelta(minutes=c.settings.login_window_minutes)
    changed = user.password_changed_at if user else None
    since = max(window, changed) if changed else window
    known = devices.read(c.settings.cookie_secret.get_secret_value(), device)
    device_id = known.device_id if known and user and known.user_id == user.id else None
    limits = Limits(c.settings.login_max_checks, c.settings.login_max_checks, c.settings.login_max_checks_per_source)
    attempt = c.users.reserve_check(account, source, device_id, since, window, limits)
    target = user.id if user else None
    if attempt is None:
        audit.record(c, "login_throttled", actor_id=None, target_id=target, source=source, device=bool(device_id))
        raise ThrottledError(LOGIN_THROTTLED)
    ok = verify_password(password, user.password_hash if user else None) and user is not None and user.is_active
    if not ok or user is None:
        audit.record(c, "login_failed", actor_id=None, target_id=target, source=source)
        raise LoginError(LOGIN_FAILED)
    if not user.email_verified:
        audit.record(c, "login_failed", actor_id=None, target_id=user.id, source=source, reason="unverified")
        raise UnverifiedError(LOGIN_UNVERIFIED)
    c.users.finish_check(attempt, True)
    if needs_rehash(user.password_hash):
        c.users.rehash(user.id, upgrade_hash(password))
    audit.record(c, "login_succeeded", actor_id=user.id, target_id=user.id, source=source, device=bool(device_id))
    return open_session(c, user)


def device_cookie(c: Container, user_id: int) -> str:
    """A new signed device cookie value for a browser that just proved it knows the account's password."""
    return devices.issue(c.settings.cookie_secret.get_secret_value(), user_id)


def open_session(c: Container, user: UserRecord) -> str:
    """A fresh random session (rotated at every login: a new token each time)."""
    token = new_token()
    expires = _now() + timedelta(hours=c.settings.session_absolute_hours)
    c.users.create_session(user.id, token_hash(token), expires)
    return token


def session_user(c: Container, token: str | None) -> SessionUser | None:
    """The user of a live session, or None (unknown, revoked, idle too long, expired, or user disabled)."""
    return session_user_by_hash(c, token_hash(token)) if token else None


def session_user_by_hash(c: Container, hashed: bytes | None) -> SessionUser | None:
    """`session_user` for a token known only by its hash (what an open dashboard page keeps)."""
    if not hashed:
        return None
    now = _now()
    idle_since = now - timedelta(minutes=c.settings.session_idle_minutes)
    user = c.users.session_user(hashed, now, idle_since)
    return SessionUser(user.id, user.email, user.display_name, user.role) if user else None


def logout(c: Container, token: str | None, source: str = "") -> None:
    """End this session (only this one)."""
    user_id = c.users.revoke_session(token_hash(token)) if token else None
    if user_id is not None:
        audit.record(c, "logout", actor_id=user_id, target_id=user_id, source=source)


@dataclass(frozen=True, slots=True)
class PreparedRegistration:
    """A valid sign-up with its password already hashed (the slow half of `register`)."""

    form: Registration
    password_hash: str


def prepare_registration(form: Registration) -> PreparedRegistration:
    """Hash the password: the same work whether or not the e-mail is taken (nothing is looked up)."""
    return PreparedRegistration(form, hash_password(form.password, context_words(form.email, form.display_name)))


def complete_registration(c: Container, prepared: PreparedRegistration, source: str) -> None:
    """Store the learner and mail the link, or (e-mail taken) re-send a link to an unconfirmed owner."""
    form = prepared.form
    profile = form.model_dump(include={"field_of_interest", "current_role", "goal", "hours_per_week"})
    user_id = c.users.register(form.email, form.display_name, prepared.password_hash, profile)
    if user_id is None:
        existing = c.users.by_email(form.email)
        audit.record(c, "registration_repeated", actor_id=None, target_id=existing.id if existing else None,
                     source=source)  # fmt: skip
        if existing is not None and existing.is_active and not existing.email_verified:
            _mail_token(c, existing, "verify")
        return
    audit.record(c, "registered", actor_id=user_id, target_id=user_id, source=source, via="sign-up")
    user = c.users.get(user_id)
    if user is not None:
        _mail_token(c, user, "verify", rate_limited=False)


def register(c: Container, form: Registration, source: str) -> None:
    """Self-registration of a learner; the same outcome to the caller whether or not the e-mail is taken.

    The pages call the two halves apart: `prepare_registration` (hashing) before answering, and
    `complete_registration` (lookups, writes, mail) after the answer is sent, so its timing tells nothing.
    """
    complete_registration(c, prepare_registration(form), source)


def _mail_token(c: Container, user: UserRecord, purpose: str, *, rate_limited: bool = True) -> bool:
    """Issue a token and queue its mail, unless the account had one of these mails too recently."""
    now = _now()
    if rate_limited:
        count, last = c.users.tokens_since(user.id, purpose, now - timedelta(days=1))
        if count >= MAIL_PER_DAY or (last is not None and last > now - MAIL_GAP):
            return False
    token = new_token()
    hours = VERIFY_HOURS if purpose == "verify" else RESET_HOURS
    c.users.add_token(user.id, token_hash(token), purpose, now + timedelta(hours=hours))
    path = "verify" if purpose == "verify" else "reset"
    enqueue_mail(c, purpose, user.email, user.id, link=_link(c, path, token), display_name=user.display_name)
    return True


def verify_email(c: Container, token: str) -> bool:
    """Use a verification token: True if it was valid (the address is confirmed), False otherwise."""
    user_id = c.users.use_token(token_hash(token), "verify", _now()) if token else None
    if user_id is None:
        return False
    c.users.mark_verified(user_id)
    audit.record(c, "email_verified", actor_id=user_id, target_id=user_id, source=None)
    return True


def request_verification(c: Container, email: str, source: str) -> None:
    """Send a new verification link to an unverified account (rate-limited); silent for any other e-mail."""
    user = c.users.by_email(email) if 0 < len(email.strip()) <= 254 else None
    if user is not None and user.is_active and not user.email_verified and _mail_token(c, user, "verify"):
        audit.record(c, "verification_requested", actor_id=None, target_id=user.id, source=source)


def request_password_reset(c: Container, email: str, source: str) -> None:
    """Mail a reset link (1 h) to an active account (rate-limited); silent for unknown e-mails."""
    user = c.users.by_email(email) if 0 < len(email.strip()) <= 254 else None
    if user is not None and user.is_active and _mail_token(c, user, "reset"):
        audit.record(c, "password_reset_requested", actor_id=None, target_id=user.id, source=source)


def reset_password(c: Container, token: str, new_password: str, source: str) -> int:
    """Set a new password with a reset token; ends every session, clears the throttle, mails the owner.

    Raises `PasswordPolicyError` (the token stays usable) or `TokenError`. Returns the user's id.
    """
    th = token_hash(token)
    user_id = c.users.token_user(th, "reset", _now()) if token else None
    user = c.users.get(user_id) if user_id is not None else None
    if user is None or not user.is_active:
        dummy_work(new_password)
        raise TokenError(TOKEN_INVALID)
    password_hash = hash_password(new_password, _words(user))
    if c.users.reset_with_token(th, password_hash, _now()) is None:
        raise TokenError(TOKEN_INVALID)
    audit.record(c, "password_reset", actor_id=user.id, target_id=user.id, source=source)
    enqueue_mail(c, "password_changed", user.email, user.id, display_name=user.display_name)
    return user.id


def change_password(
    c: Container, user_id: int, current: str, new: str, keep_session_token: str | None, source: str
) -> None:
    """Change a password knowing the current one (throttled like a login); ends the other sessions."""
    user = c.users.get(user_id)
    if user is None or not user.is_active:
        raise LoginError(WRONG_CURRENT)
    now = _now()
    window = now - timedelta(minutes=c.settings.login_window_minutes)
    since = max(window, user.password_changed_at) if user.password_changed_at else window
    limits = Limits(c.settings.login_max_checks, c.settings.login_max_checks, c.settings.login_max_checks_per_source)
    attempt = c.users.reserve_check(user.email, source, None, since, window, limits)
    if attempt is None:
        raise ThrottledError(LOGIN_THROTTLED)
    if not verify_password(current, user.password_hash):
        audit.record(c, "login_failed", actor_id=user.id, target_id=user.id, source=source, reason="change")
        raise LoginError(WRONG_CURRENT)
    c.users.finish_check(attempt, True)
    password_hash = hash_password(new, _words(user))
    keep = token_hash(keep_session_token) if keep_session_token else None
    ended = c.users.set_password(user.id, password_hash, keep)
    audit.record(c, "password_changed", actor_id=user.id, target_id=user.id, source=source, sessions_ended=ended)
    enqueue_mail(c, "password_changed", user.email, user.id, display_name=user.display_name)


def _existing(c: Container, user_id: int) -> UserRecord:
    user = c.users.get(user_id)
    if user is None:
        raise ValueError(f"no user with id {user_id}")
    return user


def disable_user(c: Container, user_id: int, actor_id: int | None = None, source: str = "") -> None:
    """Disable an account, revoke every session it has, and tell its owner."""
    user = _existing(c, user_id)
    c.users.set_active(user_id, False)
    ended = c.users.revoke_all_sessions(user_id)
    audit.record(c, "account_disabled", actor_id=actor_id, target_id=user_id, source=source, sessions_ended=ended)
    if user.is_active:
        enqueue_mail(c, "account_disabled", user.email, user.id, display_name=user.display_name)


def enable_user(c: Container, user_id: int, actor_id: int | None = None, source: str = "") -> None:
    _existing(c, user_id)
    c.users.set_active(user_id, True)
    audit.record(c, "account_enabled", actor_id=actor_id, target_id=user_id, source=source)


def set_role(c: Container, user_id: int, role: str, actor_id: int | None = None, source: str = "") -> None:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    old = c.users.set_role(user_id, role)
    if old is None:
        raise ValueError(f"no user with id {user_id}")
    audit.record(c, "role_changed", actor_id=actor_id, target_id=user_id, source=source, old=old, new=role)


__all__ = [
    "LOGIN_FAILED",
    "LOGIN_THROTTLED",
    "LOGIN_UNVERIFIED",
    "ROLES",
    "TOKEN_INVALID",
    "LoginError",
    "PreparedRegistration",
    "Registration",
    "SessionUser",
    "ThrottledError",
    "TokenError",
    "UnverifiedError",
    "change_password",
    "complete_registration",
    "create_user",
    "device_cookie",
    "disable_user",
    "enable_user",
    "form_errors",
    "login",
    "logout",
    "open_session",
    "prepare_registration",
    "register",
    "request_password_reset",
    "request_verification",
    "reset_password",
    "session_user",
    "session_user_by_hash",
    "set_role",
    "verify_email",
]
