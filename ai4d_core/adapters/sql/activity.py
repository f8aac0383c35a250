"""What the activity relay reads from PostgreSQL: each source table's facts by time, and its watermark.

A source is a table with a learner, a time and a key; its facts are read in (time, key) order after the
watermark less a look-back (a transaction that committed late with an earlier time is still read; reading a
fact twice is harmless, the upsert in MongoDB is idempotent). A source whose table is not in the schema (a
feature not installed yet) is skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    String,
    Table,
    and_,
    cast,
    func,
    inspect,
    literal,
    select,
    true,
    tuple_,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.sql.elements import ColumnElement

from ai4d_core.adapters.sql.tables import Base, User
from ai4d_core.adapters.sql.tables_learner import ActivityWatermark
from ai4d_core.domain.activity import ActivityEvent, Kind

Expr = ColumnElement[Any]


@dataclass(frozen=True, slots=True)
class Source:
    """One SQL fact table relayed as events of one kind."""

    kind: Kind
    table: str
    key: tuple[str, ...]  # columns joined by ":" into the event key
    at: str  # the fact's time
    data: Callable[[Table], Mapping[str, Expr]]  # the event's data
    ts: str | None = None  # the column the watermark follows (default: `at`)
    where: Callable[[Table], Expr] = lambda t: true()
    learner: Callable[[Table], Expr] = lambda t: t.c.learner_id


def _payload(t: Table, *path: str) -> Expr:
    """A text field of the JSONB payload, by path (`payload #>> '{provenance,source}'`)."""
    field: Expr = t.c.payload[path[0]].astext if len(path) == 1 else t.c.payload[tuple(path)].astext
    return field


SOURCES: tuple[Source, ...] = (
    Source("quiz_started", "quiz_sessions", ("id",), "started_at", lambda t: {"mode": t.c.mode}),
    Source(
        "answered", "quiz_answers", ("session_id", "position"), "answered_at",
        lambda t: {"session_id": cast(t.c.session_id, String), "position": t.c.position, "item_id": t.c.item_id,
                   "score": t.c.score, "pretest": t.c.pretest},
    ),
    Source(
        "profile_written", "outbox", ("dedupe_key",), "created_at",
        lambda t: {"version": cast(_payload(t, "version"), Integer), "source": _payload(t, "provenance", "source"),
                   "model": _payload(t, "provenance", "model")},
        ts="delivered_at",
        where=lambda t: and_(t.c.topic == "profile", t.c.delivered_at.is_not(None)),
        learner=lambda t: cast(_payload(t, "learner_id"), Integer),
    ),
    Source("badge_earned", "badge_awards", ("learner_id", "badge"), "awarded_at", lambda t: {"badge": t.c.badge}),
    Source("graded", "grades", ("id",), "graded_at", lambda t: {"item_id": t.c.item_id, "score": t.c.score}),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Fact:
    """An event with the time the watermark follows."""

    ts: datetime
    event: ActivityEvent


def installed(conn: Connection, source: Source) -> bool:
    """Whether the source's table and columns are in the models and in the database (a table of a later
    feature may not be, or not migrated yet)."""
    table = Base.metadata.tables.get(source.table)
    needed = {*source.key, source.at, source.ts or source.at}
    return table is not None and needed <= set(table.c.keys()) and inspect(conn).has_table(source.table)


def read_page(
    conn: Connection, source: Source, since: datetime | None, after: tuple[datetime, str] | None, limit: int
) -> list[Fact]:
    """Up to `limit` facts with time >= `since`, after (time, key) `after`, in (time, key) order."""
    t = Base.metadata.tables[source.table]
    parts: list[Expr] = []
    for n, column in enumerate(source.key):
        parts += [literal(":"), cast(t.c[column], String)] if n else [cast(t.c[column], String)]
    key = (func.concat(*parts) if len(parts) > 1 else parts[0]).collate("C")
    ts, at = t.c[source.ts or source.at], t.c[source.at]
    data = dict(source.data(t))
    query = select(ts.label("ts"), key.label("key"), source.learner(t).label("learner_id"), at.label("at"),
                   *(expr.label(f"d_{name}") for name, expr in data.items()))  # fmt: skip
    query = query.where(source.where(t))
    if since is not None:
        query = query.where(ts >= since)
    if after is not None:
        query = query.where(tuple_(ts, key) > tuple_(literal(after[0]), literal(after[1]).collate("C")))
    rows = conn.execute(query.order_by(ts, key).limit(limit)).mappings()
    return [
        Fact(row["ts"], ActivityEvent(source.kind, row["key"], int(row["learner_id"]), row["at"],
                                      {name: row[f"d_{name}"] for name in data}))
        for row in rows
    ]  # fmt: skip


def missing_learners(conn: Connection, learner_ids: Iterable[int]) -> set[int]:
    """Those of `learner_ids` with no account (any more): erased while their facts were being relayed."""
    wanted = set(learner_ids)
    found = conn.execute(select(User.id).where(User.id.in_(sorted(wanted)))).scalars()
    return wanted - {int(i) for i in found}


def watermark(conn: Connection, source: str) -> datetime | None:
    return conn.execute(select(ActivityWatermark.watermark).where(ActivityWatermark.source == source)).scalar()


def advance(conn: Connection, source: str, to: datetime, relayed: int) -> None:
    """Move the source's watermark forward to `to` (never back) and count the events newly stored."""
    stmt = pg_insert(ActivityWatermark).values(source=source, watermark=to, relayed=relayed)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[ActivityWatermark.source],
            set_={
                "watermark": func.greatest(ActivityWatermark.watermark, stmt.excluded.watermark),
                "relayed": ActivityWatermark.relayed + stmt.excluded.relayed,
                "updated_at": func.now(),
            },
        )
    )


__all__ = ["SOURCES", "Fact", "Source", "advance", "installed", "missing_learners", "read_page", "watermark"]
