"""The warehouse's tables, built in DuckDB from the PostgreSQL extracts. Learners appear only under a
salted pseudonym: analysts and dashboards read this file, never learner ids or e-mails."""

from __future__ import annotations

from pathlib import Path

import duckdb

MASTERED_AT = 0.8  # mean score per topic from which a learner counts as having mastered it (in the SQL below)

_TYPES = {
    "responses": "{'learner_id': 'BIGINT', 'attempt_id': 'UUID', 'item_id': 'VARCHAR', 'item_version': 'INTEGER', "
    "'topic': 'VARCHAR', 'level': 'INTEGER', 'score': 'DOUBLE', 'answered_at': 'TIMESTAMPTZ'}",
    "memberships": "{'cohort_id': 'INTEGER', 'cohort': 'VARCHAR', 'learner_id': 'BIGINT'}",
    "items": "{'id': 'VARCHAR', 'version': 'INTEGER', 'type': 'VARCHAR', 'topic': 'VARCHAR', 'level': 'INTEGER', "
    "'status': 'VARCHAR', 'provenance': 'VARCHAR', 'difficulty': 'DOUBLE'}",
}


def build(conn: duckdb.DuckDBPyConnection, csvs: dict[str, Path], salt: str) -> None:
    """Create every table of the warehouse in `conn` (a fresh file)."""
    for name, path in csvs.items():
        conn.execute(
            f"create temp table raw_{name} as select * from read_csv(?, header = true, columns = {_TYPES[name]})",  # noqa: S608 - names and types are constants
            [str(path)],
        )
    conn.execute("create macro pseudo(id) as substr(sha256(getvariable('salt') || id::varchar), 1, 16)")
    conn.execute("set variable salt = ?", [salt])
    conn.execute("""
        create table dim_items as select * from raw_items;
        create table fact_responses as
            select pseudo(learner_id) as learner, attempt_id, item_id, item_version, topic, level, score, answered_at
            from raw_responses;
        create table dim_memberships as
            select cohort_id, cohort, pseudo(learner_id) as learner from raw_memberships;
    """)
    conn.execute("""
        create table agg_learner_topic as
            select m.cohort_id, m.cohort, f.learner, f.topic, count(*) as n_responses, avg(f.score) as mean_score,
                   avg(f.score) >= 0.8 as mastered
            from fact_responses f join dim_memberships m using (learner)
            group by all;
        create table agg_cohort_topic as
            select cohort_id, cohort, topic, count(*) as n_learners, sum(n_responses) as n_responses,
                   round(avg(mean_score), 4) as mean_score, round(median(mean_score), 4) as median_score,
                   round(avg(mastered::int), 4) as share_mastered
            from agg_learner_topic group by all order by cohort_id, topic;
    """)
    conn.execute("drop macro pseudo")
    conn.execute("reset variable salt")
