"""The response loader against a real embedded PostgreSQL: fast path, guard path, atomicity."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import psycopg
import pytest

from ai4d_cli.embedded import MigratedPostgres
from ai4d_core.adapters.sql.response_loader import ResponseRow, load_responses

pytestmark = pytest.mark.integration


@pytest.fixture
def pg_url(pg: MigratedPostgres) -> str:
    """The session's migrated database (SQLAlchemy URL, the app's role)."""
    return pg.url


@pytest.fixture
def pg_conn(pg_url: str) -> Iterator[psycopg.Connection]:
    """A psycopg connection on an empty ``responses`` table."""
    with psycopg.connect(pg_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute("TRUNCATE responses")
        conn.commit()
        yield conn


def make_rows(n: int, start: int = 0) -> list[ResponseRow]:
    base = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    return [
        ResponseRow(
            attempt_id=uuid.UUID(int=(i // 5) * 7919 + 1),
            item_id=f"item-{i % 5}",
            item_version=1,
            learner_id=i % 17 + 1,
            answer=f"answer {i}",
            score=(i % 21) / 10 - 1,
            answered_at=base + timedelta(seconds=i),
        )
        for i in range(start, start + n)
    ]


def count(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT count(*) FROM responses").fetchone()
    assert row is not None
    return int(row[0])


def test_loads_rows_and_returns_the_count(pg_conn: psycopg.Connection) -> None:
    assert load_responses(pg_conn, make_rows(1000)) == 1000
    pg_conn.commit()
    assert count(pg_conn) == 1000


def test_empty_input_loads_nothing(pg_conn: psycopg.Connection) -> None:
    assert load_responses(pg_conn, []) == 0


def test_loading_the_same_rows_again_inserts_nothing(pg_conn: psycopg.Connection) -> None:
    rows = make_rows(500)
    load_responses(pg_conn, rows)
    pg_conn.commit()
    assert load_responses(pg_conn, rows) == 0
    pg_conn.commit()
    assert count(pg_conn) == 500
    dupes = pg_conn.execute(
        "SELECT count(*) FROM (SELECT 1 FROM responses GROUP BY attempt_id, item_id HAVING count(*) > 1) d"
    ).fetchone()
    assert dupes == (0,)


def test_a_mix_of_old_and_new_rows_inserts_only_the_new(pg_conn: psycopg.Connection) -> None:
    load_responses(pg_conn, make_rows(300))
    pg_conn.commit()
    assert load_responses(pg_conn, make_rows(500, start=100)) == 300
    pg_conn.commit()
    assert count(pg_conn) == 600


def test_duplicates_within_one_call_are_loaded_once(pg_conn: psycopg.Connection) -> None:
    rows = make_rows(50)
    assert load_responses(pg_conn, rows + rows[:10]) == 50
    pg_conn.commit()
    assert count(pg_conn) == 50


def test_two_guarded_calls_in_one_transaction(pg_conn: psycopg.Connection) -> None:
    load_responses(pg_conn, make_rows(100))
    assert load_responses(pg_conn, make_rows(100, start=50)) == 50
    assert load_responses(pg_conn, make_rows(100, start=100)) == 50
    pg_conn.commit()
    assert count(pg_conn) == 200


def test_values_round_trip(pg_conn: psycopg.Connection) -> None:
    row = ResponseRow(
        attempt_id=uuid.uuid4(),
        item_id="sql-joins-03",
        item_version=7,
        learner_id=2_000_000_000,
        answer="Größe ≥ 3 — 学习 🚀",
        score=-0.123456789012345,
        answered_at=datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    )
    assert load_responses(pg_conn, [row]) == 1
    pg_conn.commit()
    got = pg_conn.execute(
        "SELECT attempt_id, item_id, item_version, learner_id, answer, score, answered_at FROM responses"
    ).fetchone()
    assert got is not None
    assert ResponseRow(*got) == row
    assert got[6].utcoffset() is not None


def test_a_score_out_of_range_raises_and_loads_nothing(pg_conn: psycopg.Connection) -> None:
    load_responses(pg_conn, make_rows(100))
    pg_conn.commit()
    bad = [*make_rows(100, start=100), ResponseRow(uuid.uuid4(), "item-x", 1, 1, "x", 1.5, datetime.now(UTC))]
    with pytest.raises(psycopg.errors.CheckViolation):
        load_responses(pg_conn, bad)
    pg_conn.commit()  # the caller's transaction is still usable
    assert count(pg_conn) == 100


def test_a_bad_row_on_the_guard_path_raises_and_loads_nothing(pg_conn: psycopg.Connection) -> None:
    load_responses(pg_conn, make_rows(100))
    pg_conn.commit()
    bad = [*make_rows(150, start=50), ResponseRow(uuid.uuid4(), "item-x", 1, 1, "x", -2.0, datetime.now(UTC))]
    with pytest.raises(psycopg.errors.CheckViolation):
        load_responses(pg_conn, bad)
    pg_conn.commit()
    assert count(pg_conn) == 100


def test_the_caller_owns_the_transaction(pg_conn: psycopg.Connection) -> None:
    load_responses(pg_conn, make_rows(10))
    pg_conn.rollback()
    assert count(pg_conn) == 0
    pg_conn.rollback()
    pg_conn.autocommit = True
    with pytest.raises(ValueError, match="autocommit"):
        load_responses(pg_conn, make_rows(10))


def test_works_through_a_sqlalchemy_connection(pg_url: str, pg_conn: psycopg.Connection) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(pg_url)
    try:
        with engine.begin() as sa_conn:
            driver = sa_conn.connection.driver_connection
            assert isinstance(driver, psycopg.Connection)
            assert load_responses(driver, make_rows(40)) == 40
            assert sa_conn.execute(sa.text("SELECT count(*) FROM responses")).scalar_one() == 40
    finally:
        engine.dispose()
    assert count(pg_conn) == 40
