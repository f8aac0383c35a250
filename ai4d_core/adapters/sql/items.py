"""Versioned items in PostgreSQL (the `ItemStore` port). The full item is kept as JSONB in `body`."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ai4d_core.adapters.sql.tables import ItemRow
from ai4d_core.domain.items import Item, parse_item


class SqlItemStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def upsert(self, items: Iterable[Item]) -> int:
        """Insert item versions that are not stored yet; an (id, version) already stored is left as is."""
        rows = [
            {
                "id": item.id,
                "version": item.version,
                "type": item.type,
                "topic": item.topic,
                "level": item.level,
                "status": str(item.status),
                "provenance": item.provenance,
                "body": item.model_dump(mode="json"),
            }
            for item in items
        ]
        if not rows:
            return 0
        with self._engine.begin() as conn:
            done = conn.execute(pg_insert(ItemRow).values(rows).on_conflict_do_nothing().returning(ItemRow.id))
            return len(done.all())

    def get(self, item_id: str, version: int | None = None) -> Item | None:
        query = select(ItemRow.body).where(ItemRow.id == item_id)
        query = query.where(ItemRow.version == version) if version else query.order_by(ItemRow.version.desc())
        with self._engine.connect() as conn:
            body = conn.execute(query.limit(1)).scalar_one_or_none()
        return parse_item(body) if body is not None else None

    def active(self, topic: str | None = None) -> list[Item]:
        """The latest version of every active item (optionally of one topic), by id."""
        latest = select(ItemRow.id, func.max(ItemRow.version).label("version")).group_by(ItemRow.id).subquery()
        query = (
            select(ItemRow.body)
            .join(latest, (ItemRow.id == latest.c.id) & (ItemRow.version == latest.c.version))
            .where(ItemRow.status == "active")
            .order_by(ItemRow.id)
        )
        if topic:
            query = query.where(ItemRow.topic == topic)
        with self._engine.connect() as conn:
            return [parse_item(body) for body in conn.execute(query).scalars()]

    def all_versions(self) -> dict[tuple[str, int], Item]:
        with self._engine.connect() as conn:
            bodies = conn.execute(select(ItemRow.body)).scalars().all()
        items = [parse_item(body) for body in bodies]
        return {(item.id, item.version): item for item in items}
