"""Extracts from PostgreSQL for the warehouse, streamed with COPY into CSV files."""

from __future__ import annotations

from pathlib import Path

import psycopg
from sqlalchemy import Engine

EXTRACTS: dict[str, str] = {
    "responses": """
        select r.learner_id, r.attempt_id, r.item_id, r.item_version, i.topic, i.level, r.score, r.answered_at
        from responses r join items i on i.id = r.item_id and i.version = r.item_version
        where r.score is not null""",  # an open response awaiting review counts once graded
    "memberships": """
        select m.cohort_id, c.name as cohort, m.user_id as learner_id
        from cohort_members m join cohorts c on c.id = m.cohort_id where m.role = 'learner'""",
    # a, b: the calibrated 2PL parameters, or a = 1 and the author's difficulty for an uncalibrated item.
    "items": """
        select id, version, type, topic, level, status, provenance, (body->>'difficulty')::float8 as difficulty,
               coalesce(case when body->'calibration'->>'model' is not null
                             then (body->'calibration'->>'discrimination')::float8 end, 1.0) as a,
               coalesce(case when body->'calibration'->>'model' is not null
                             then (body->'calibration'->>'difficulty')::float8 end,
                        (body->>'difficulty')::float8) as b,
               body->'calibration'->>'model' as calibration_model
        from items""",
}


def extract_csv(engine: Engine, folder: Path) -> dict[str, Path]:
    """Write each extract to `folder/<name>.csv` (with a header) from one consistent snapshot."""
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    with engine.connect() as sa_conn:
        sa_conn.exec_driver_sql("set transaction isolation level repeatable read, read only")
        conn = sa_conn.connection.driver_connection
        assert isinstance(conn, psycopg.Connection)
        for name, query in EXTRACTS.items():
            path = folder / f"{name}.csv"
            with path.open("wb") as out, conn.cursor().copy(f"copy ({query}) to stdout (format csv, header)") as cp:
                for chunk in cp:
                    out.write(chunk)
            paths[name] = path
        sa_conn.rollback()
    return paths
