"""Deleting what the security tables no longer need (see `ai4d_core.services.maintenance`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, delete, or_

from ai4d_core.adapters.sql.tables import AuthToken, LoginAttempt, MailMessage, Session


class SqlPruner:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def prune(
        self, attempts_before: datetime, sessions_before: datetime, tokens_before: datetime, mail_before: datetime
    ) -> dict[str, int]:
        """Delete old rows in one transaction; returns how many per table."""
        with self._engine.begin() as conn:
            attempts = conn.execute(delete(LoginAttempt).where(LoginAttempt.at < attempts_before)).rowcount
            sessions = conn.execute(
                delete(Session).where(or_(Session.expires_at < sessions_before, Session.revoked_at < sessions_before))
            ).rowcount
            tokens = conn.execute(
                delete(AuthToken).where(or_(AuthToken.used_at < tokens_before, AuthToken.expires_at < tokens_before))
            ).rowcount
            mail = conn.execute(
                delete(MailMessage).where(MailMessage.status == "sent", MailMessage.sent_at < mail_before)
            ).rowcount
        return {
            "login_attempts": int(attempts), "sessions": int(sessions), "auth_tokens": int(tokens),
            "mail_outbox": int(mail),
        }  # fmt: skip
