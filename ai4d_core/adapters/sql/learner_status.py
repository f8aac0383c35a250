"""Whose submissions may be ingested: the role and status of the accounts behind a batch."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Engine, select

from ai4d_core.adapters.sql.tables import User


def account_states(engine: Engine, ids: Collection[int]) -> dict[int, tuple[str, bool]]:
    """(role, is_active) per existing account among `ids`."""
    if not ids:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(select(User.id, User.role, User.is_active).where(User.id.in_(sorted(ids))))
        return {int(uid): (str(role), bool(active)) for uid, role, active in rows}
