"""Pruning the security tables so they do not grow forever (run daily by the `prune-security-tables` flow).

Kept: login attempts for 30 days (throttling needs 15 minutes, the rest is for investigations; the audit log
keeps the events); sessions for a day after they expired or were revoked (so "your session has ended" can
still be told apart from "never existed" for a while); e-mail tokens for a day after use or expiry; sent mail
for 7 days (failed and pending mail stays for the mail worker and the admin). The audit log is not pruned here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ai4d_core.adapters.sql.maintenance import SqlPruner
from ai4d_core.bootstrap import Container

LOGIN_ATTEMPTS_KEPT = timedelta(days=30)
ENDED_SESSIONS_KEPT = timedelta(days=1)
SPENT_TOKENS_KEPT = timedelta(days=1)
SENT_MAIL_KEPT = timedelta(days=7)


def prune(c: Container, now: datetime) -> dict[str, int]:
    """Delete rows past their keeping time as of `now`; returns the number deleted per table."""
    return SqlPruner(c.engine).prune(
        attempts_before=now - LOGIN_ATTEMPTS_KEPT,
        sessions_before=now - ENDED_SESSIONS_KEPT,
        tokens_before=now - SPENT_TOKENS_KEPT,
        mail_before=now - SENT_MAIL_KEPT,
    )
