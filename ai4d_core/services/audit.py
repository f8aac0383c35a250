"""The security audit log: who did what to whom, when and from where (ASVS V16).

Events include login_succeeded, login_failed, login_throttled, logout, password_reset_requested,
password_reset, password_changed, email_verified, verification_requested, registered, registration_repeated,
role_changed, account_disabled and account_enabled; other services add their own (cohorts, privacy).
An entry never holds a password, token or answer text: `record` refuses detail keys that name one, and detail
values are short scalars.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ai4d_core.adapters.sql.audit import AuditRecord, SqlAuditLog
from ai4d_core.bootstrap import Container

if TYPE_CHECKING:
    from sqlalchemy import Connection

MAX_EVENT = 32
MAX_SOURCE = 64
MAX_VALUE = 200
_SECRET_KEY = re.compile(r"passw|token|secret|answer|code_hash|cookie", re.I)


class AuditError(ValueError):
    """An entry that must not be written (a secret-looking key, a bad event name)."""


def _clean(detail: dict[str, object]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in detail.items():
        if _SECRET_KEY.search(key):
            raise AuditError(f"audit detail {key!r} looks like a secret or answer; it is never logged")
        if value is None or isinstance(value, bool | int | float):
            out[key] = value
        else:
            out[key] = str(value)[:MAX_VALUE]
    return out


def record(
    c: Container,
    event: str,
    *,
    actor_id: int | None,
    target_id: int | None,
    source: str | None,
    conn: Connection | None = None,
    **detail: object,
) -> None:
    """Append one audit entry; give `conn` to write it in the caller's transaction."""
    if not event or len(event) > MAX_EVENT or not re.fullmatch(r"[a-z][a-z0-9_]*", event):
        raise AuditError(f"audit event must be a snake_case name of at most {MAX_EVENT} characters")
    SqlAuditLog(c.engine).add(
        event, actor_id, target_id, (source or None) and str(source)[:MAX_SOURCE], _clean(detail), conn=conn
    )


def recent(c: Container, limit: int = 100, event: str | None = None, target_id: int | None = None) -> list[AuditRecord]:
    """The newest entries first, optionally of one event or about one user."""
    return SqlAuditLog(c.engine).recent(max(1, limit), event=event, target_id=target_id)


__all__ = ["AuditError", "AuditRecord", "recent", "record"]
