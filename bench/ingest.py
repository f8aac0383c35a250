"""Response ingestion: the project's binary-COPY loader vs a SQLAlchemy ORM loop, on the same rows.

Starts its own embedded PostgreSQL in a temporary folder (never the user's data), migrates it, generates
deterministic synthetic responses and loads them (a) with ``load_responses`` in transactions of ``--batch``
rows through a SQLAlchemy connection, as the ingest service does, commit included; (a') again over the
already-loaded rows, which takes the guard path and inserts nothing; (b) with ``session.add`` per row and a
commit every 10,000 rows, on the first ``--orm-rows`` of the same rows (the ORM loop is slow, so it is capped).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil
import sqlalchemy as sa
from sqlalchemy.orm import Session

from ai4d_cli import embedded
from ai4d_core.adapters.sql import tables
from ai4d_core.adapters.sql.response_loader import ResponseRow, load_responses

TARGET_RATIO = 25.0
TARGET_ROWS_PER_S = 250_000.0
ORM_COMMIT_EVERY = 10_000


def uuid7_at(unix_ms: int, rng: random.Random) -> uuid.UUID:
    """A UUIDv7 (RFC 9562) for a given millisecond, with seeded random bits: reproducible test data."""
    value = (unix_ms << 80) | (0x7 << 76) | (rng.getrandbits(12) << 64) | (0b10 << 62) | rng.getrandbits(62)
    return uuid.UUID(int=value)


def synthetic_rows(n: int, seed: int = 20260301, learners: int = 5_000, items: int = 50) -> list[ResponseRow]:
    """`n` responses in arrival order: attempts of 5-15 items.

    Attempt ids are UUIDv7, as the product makes them (`SqlSubmissionStore.record`): time-ordered by receipt.
    """
    rng = random.Random(seed)
    item_ids = [f"item-{i:03d}" for i in range(items)]
    start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    rows: list[ResponseRow] = []
    received_ms = int(start.timestamp() * 1000)
    while len(rows) < n:
        received_ms += rng.randrange(1, 2_000)
        attempt_id = uuid7_at(received_ms, rng)
        learner_id = rng.randrange(1, learners + 1)
        at = start + timedelta(seconds=rng.randrange(0, 90 * 86_400))
        for item_id in rng.sample(item_ids, rng.randint(5, 15)):
            at += timedelta(seconds=rng.randrange(5, 120), microseconds=rng.randrange(1_000_000))
            correct = rng.random() < 0.62
            rows.append(
                ResponseRow(
                    attempt_id=attempt_id,
                    item_id=item_id,
                    item_version=rng.randint(1, 3),
                    learner_id=learner_id,
                    answer=rng.choice("ABCD") if rng.random() < 0.8 else f"SELECT * FROM t{rng.randrange(9)}",
                    score=1.0 if correct else rng.choice((0.0, 0.0, 0.5, -0.25)),
                    answered_at=at,
                )
            )
    return rows[:n]


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds, and CPU seconds spent by this process and by the PostgreSQL processes."""

    seconds: float
    client_cpu: float
    server_cpu: float
    result: int


def server_cpu(server: psutil.Process) -> float:
    """CPU seconds used so far by the postmaster and its children (backends, WAL writer, checkpointer)."""
    total = 0.0
    for p in [server, *server.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            cpu = p.cpu_times()
            total += cpu.user + cpu.system
    return total


def timed(server: psutil.Process, fn: Callable[[], int]) -> Timing:
    s0, c0, t0 = server_cpu(server), time.process_time(), time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - t0
    return Timing(seconds, time.process_time() - c0, server_cpu(server) - s0, result)


def project_load(engine: sa.Engine, rows: Sequence[ResponseRow], batch: int) -> int:
    """The project's path: one transaction per `batch` rows, through SQLAlchemy's psycopg connection."""
    inserted = 0
    for i in range(0, len(rows), batch):
        with engine.begin() as conn:
            inserted += load_responses(conn.connection.driver_connection, rows[i : i + batch])  # type: ignore[arg-type]
    return inserted


def orm_load(engine: sa.Engine, rows: Sequence[ResponseRow]) -> int:
    """The peer: a plain SQLAlchemy ORM loop, ``session.add`` per row, commit every 10,000 rows."""
    with Session(engine) as session:
        for i, r in enumerate(rows, 1):
            session.add(
                tables.Response(
                    attempt_id=r.attempt_id,
                    item_id=r.item_id,
                    item_version=r.item_version,
                    learner_id=r.learner_id,
                    answer=r.answer,
                    score=r.score,
                    answered_at=r.answered_at,
                )
            )
            if i % ORM_COMMIT_EVERY == 0:
                session.commit()
        session.commit()
    return len(rows)


def reset(engine: sa.Engine, admin: sa.Engine) -> None:
    """Empty ``responses`` and checkpoint (as the superuser: the app role may not), so each measured path starts
    from the same server state."""
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE responses"))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("CHECKPOINT"))


def settings_line(engine: sa.Engine) -> str:
    with engine.connect() as conn:
        version = conn.execute(sa.text("SHOW server_version")).scalar_one()
        values = [
            f"{name}={conn.execute(sa.text(f'SHOW {name}')).scalar_one()}"
            for name in ("shared_buffers", "max_wal_size", "wal_buffers", "synchronous_commit")
        ]
    return f"PostgreSQL {version} (embedded, {', '.join(values)}), {os.cpu_count()} CPUs"


def report(
    args: argparse.Namespace, engine: sa.Engine, admin: sa.Engine, server: psutil.Process, rows: list[ResponseRow]
) -> bool:
    n_orm = min(args.orm_rows, len(rows))
    print(f"ingest: {len(rows):,} synthetic responses (5,000 learners, 50 items), seed {args.seed}")
    print(settings_line(engine))
    reset(engine, admin)
    copy = timed(server, lambda: project_load(engine, rows, args.batch))
    guard = timed(server, lambda: project_load(engine, rows, args.batch))
    reset(engine, admin)
    orm = timed(server, lambda: orm_load(engine, rows[:n_orm]))
    copy_rate, orm_rate = len(rows) / copy.seconds, n_orm / orm.seconds

    print(f"{'path':<52}{'rows':>10}{'inserted':>10}{'seconds':>9}{'rows/s':>10}{'CPU s: client':>15}{'server':>8}")
    lines = [
        (f"project: load_responses (binary COPY), {args.batch:,}/tx", len(rows), copy),
        ("project, re-run over loaded rows (guard path)", len(rows), guard),
        (f"peer: SQLAlchemy ORM session.add, commit/{ORM_COMMIT_EVERY:,}", n_orm, orm),
    ]
    for label, n, t in lines:
        inserted = n if t is orm else t.result
        print(
            f"{label:<52}{n:>10,}{inserted:>10,}{t.seconds:>9.2f}{n / t.seconds:>10,.0f}"
            f"{t.client_cpu:>15.2f}{t.server_cpu:>8.2f}"
        )
    if n_orm < len(rows):
        print(f"(the ORM loop ran on the first {n_orm:,} of the same rows, into an empty table: --orm-rows)")
    ratio = copy_rate / orm_rate
    print(f"project/ORM = {ratio:.1f}\N{MULTIPLICATION SIGN}")
    copy_us = (copy.client_cpu + copy.server_cpu) / len(rows) * 1e6
    orm_us = (orm.client_cpu + orm.server_cpu) / n_orm * 1e6
    print(
        f"CPU per row (client + server): project {copy_us:.1f} µs, ORM {orm_us:.1f} µs, "
        f"ratio {orm_us / copy_us:.1f}\N{MULTIPLICATION SIGN} (less sensitive to other load on the machine)"
    )
    ok_ratio, ok_rate = ratio >= TARGET_RATIO, copy_rate >= TARGET_ROWS_PER_S
    print(f"target project/ORM >= {TARGET_RATIO:.0f}\N{MULTIPLICATION SIGN}: {'PASS' if ok_ratio else 'FAIL'}")
    print(f"target project >= {TARGET_ROWS_PER_S:,.0f} rows/s: {'PASS' if ok_rate else 'FAIL'}")
    return ok_ratio and ok_rate and copy.result == len(rows) and guard.result == 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench ingest", description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000, help="responses to load (default 1,000,000)")
    parser.add_argument("--orm-rows", type=int, default=100_000, help="cap on the ORM loop (default 100,000)")
    parser.add_argument("--batch", type=int, default=50_000, help="rows per transaction (default 50,000)")
    parser.add_argument("--seed", type=int, default=20260301)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)

    rows = synthetic_rows(args.rows, seed=args.seed)
    with (
        tempfile.TemporaryDirectory(prefix="ai4d-bench-", ignore_cleanup_errors=True) as tmp,
        embedded.migrated_postgres(Path(tmp), "bench") as postgres,
    ):
        engine = sa.create_engine(postgres.url)
        admin = sa.create_engine(embedded.postgres_url(postgres.port, postgres.superuser, "bench"))
        try:
            ok = report(args, engine, admin, psutil.Process(postgres.process.pid), rows)
        finally:
            engine.dispose()
            admin.dispose()
    return 1 if args.check and not ok else 0
