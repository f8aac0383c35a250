"""The admin's read of the user table: search by e-mail or name (no authorization here: the services decide)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, or_, select

from ai4d_core.adapters.sql.tables import User


@dataclass(frozen=True, slots=True)
class UserRow:
    id: int
    email: str
    display_name: str
    role: str
    is_active: bool
    email_verified_at: datetime | None
    created_at: datetime


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class SqlUserDirectory:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def search(self, text: str = "", role: str | None = None, limit: int = 100) -> list[UserRow]:
        """Users whose e-mail or display name contains `text` (case-insensitive), by e-mail."""
        stmt = select(
            User.id, User.email, User.display_name, User.role, User.is_active, User.email_verified_at, User.created_at
        )
        if text.strip():
            pattern = _like(text.strip())
            stmt = stmt.where(
                or_(User.email.ilike(pattern, escape="\\"), User.display_name.ilike(pattern, escape="\\"))
            )
        if role is not None:
            stmt = stmt.where(User.role == role)
        with self._engine.connect() as conn:
            return [UserRow(*row) for row in conn.execute(stmt.order_by(User.email).limit(limit))]

    def get(self, user_id: int) -> UserRow | None:
        stmt = select(
            User.id, User.email, User.display_name, User.role, User.is_active, User.email_verified_at, User.created_at
        ).where(User.id == user_id)
        with self._engine.connect() as conn:
            row = conn.execute(stmt).first()
        return UserRow(*row) if row else None
