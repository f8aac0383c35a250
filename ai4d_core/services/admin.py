"""What admins do to accounts: search, change role, disable and enable, resend verification, read the audit log.

Every function asks `ai4d_core.policy` first. The account changes themselves (and their audit entries) are
`ai4d_core.services.accounts`'s; an admin cannot demote or disable their own account (no lock-out by mistake).
"""

from __future__ import annotations

from typing import Any

from ai4d_core import policy
from ai4d_core.adapters.sql.user_directory import SqlUserDirectory, UserRow
from ai4d_core.bootstrap import Container
from ai4d_core.policy import ADMIN, Principal
from ai4d_core.services import accounts, audit

MAX_RESULTS = 500
NOT_YOURSELF = "An admin cannot remove their own admin role or disable their own account."


def directory(c: Container) -> SqlUserDirectory:
    return SqlUserDirectory(c.engine)


def _source(who: Principal, source: str) -> str:
    return "cli" if who is policy.CLI and not source else source


def search_users(
    c: Container, viewer: Principal | None, text: str = "", role: str | None = None, limit: int = 100
) -> list[UserRow]:
    """Users whose e-mail or name contains `text`, optionally of one role (admins only)."""
    policy.require_admin(viewer)
    if role is not None:
        policy.require_role_name(role)
    return directory(c).search(text, role, max(1, min(limit, MAX_RESULTS)))


def user(c: Container, viewer: Principal | None, user_id: int) -> UserRow:
    policy.require_admin(viewer)
    found = directory(c).get(user_id)
    if found is None:
        raise LookupError("no such user")
    return found


def user_by_email(c: Container, viewer: Principal | None, email: str) -> UserRow:
    policy.require_admin(viewer)
    record = c.users.by_email(email)
    if record is None:
        raise LookupError(f"no user with the e-mail {email.strip()!r}")
    return user(c, viewer, record.id)


def _not_self(who: Principal, user_id: int) -> None:
    if who.id == user_id and who is not policy.CLI:
        raise policy.Forbidden(NOT_YOURSELF)


def change_role(c: Container, viewer: Principal | None, user_id: int, role: str, source: str = "") -> UserRow:
    who = policy.require_admin(viewer)
    policy.require_role_name(role)
    if role != ADMIN:
        _not_self(who, user_id)
    target = user(c, who, user_id)
    if target.role != role:
        accounts.set_role(c, user_id, role, actor_id=policy.actor_id(who), source=_source(who, source))
    return user(c, who, user_id)


def disable(c: Container, viewer: Principal | None, user_id: int, source: str = "") -> UserRow:
    """Disable the account and end its sessions."""
    who = policy.require_admin(viewer)
    _not_self(who, user_id)
    user(c, who, user_id)
    accounts.disable_user(c, user_id, actor_id=policy.actor_id(who), source=_source(who, source))
    return user(c, who, user_id)


def enable(c: Container, viewer: Principal | None, user_id: int, source: str = "") -> UserRow:
    who = policy.require_admin(viewer)
    user(c, who, user_id)
    accounts.enable_user(c, user_id, actor_id=policy.actor_id(who), source=_source(who, source))
    return user(c, who, user_id)


def resend_verification(c: Container, viewer: Principal | None, user_id: int, source: str = "") -> None:
    """Queue a new verification mail for the account (the accounts service rate-limits it)."""
    who = policy.require_admin(viewer)
    target = user(c, who, user_id)
    accounts.request_verification(c, target.email, _source(who, source))


def create_admin(c: Container, viewer: Principal | None, email: str, name: str, password: str, source: str = "") -> int:
    """A new admin account (the first one comes from the command line); refuses an e-mail already registered."""
    who = policy.require_admin(viewer)
    name = name.strip() or email.split("@", 1)[0]
    return accounts.create_user(
        c, email, name, ADMIN, password, actor_id=policy.actor_id(who), source=_source(who, source)
    )


def audit_log(c: Container, viewer: Principal | None, limit: int = 100, event: str | None = None) -> list[Any]:
    """The latest security audit entries, optionally of one event (admins only)."""
    policy.require_admin(viewer)
    return list(audit.recent(c, limit=max(1, min(limit, MAX_RESULTS)), event=event or None))
