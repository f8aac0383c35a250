"""The warehouse's tables, built in DuckDB from the PostgreSQL extracts. Learners appear only under a
salted pseudonym: analysts and dashboards read this file, never learner ids or e-mails.

Aggregates count scored answers only (`fact_responses.pretest` marks answers to provisional or set-aside
versions). Each learner's ability per topic is the EAP estimate (N(0, 1) prior, 81 points from -4 to 4,
as `domain.irt`) under the items' 2PL parameters in `dim_items` (calibrated, else a = 1 and the author's
difficulty), with its posterior SD as the SE."""

from __future__ import annotations

from pathlib import Path

import duckdb

MASTERED_AT = 0.8  # mean score per topic from which a learner counts as having mastered it (in the SQL below)

_TYPES = {
    "responses": "{'learner_id': 'BIGINT', 'attempt_id': 'UUID', 'item_id': 'VARCHAR', 'item_version': 'INTEGER', "
    "'topic': 'VARCHAR', 'level': 'INTEGER', 'score': 'DOUBLE', 'answered_at': 'TIMESTAMPTZ'}",
    "memberships": "{'cohort_id': 'INTEGER', 'cohort': 'VARCHAR', 'learner_id': 'BIGINT'}",
    "items": "{'id': 'VARCHAR', 'version': 'INTEGER', 'type': 'VARCHAR', 'topic': 'VARCHAR', 'level': 'INTEGER', "
    "'status': 'VARCHAR', 'provenance': 'VARCHAR', 'difficulty': 'DOUBLE', 'a': 'DOUBLE', 'b': 'DOUBLE', "
    "'calibration_model': 'VARCHAR'}",
}


# EAP per learner and topic: log-posterior on the grid, z = a (theta - b), log P = -log(1 + e^-z),
# log(1 - P) = log P - z; scores clamp to [0, 1] as in `domain.irt`.
_ABILITY = """
    create temp table grid as select -4 + i * 0.1 as theta from range(81) t(i);
    create temp table log_posterior as
        select f.learner, f.topic, g.theta,
               -0.5 * g.theta * g.theta + sum(-ln(1 + exp(-i.a * (g.theta - i.b)))
                   - (1 - least(greatest(f.score, 0), 1)) * i.a * (g.theta - i.b)) as ld
        from fact_responses f join dim_items i on i.id = f.item_id and i.version = f.item_version
        cross join grid g
        where not f.pretest
        group by f.learner, f.topic, g.theta;
    create temp table learner_ability as
        select learner, topic, sum(w * theta) / sum(w) as ability,
               sqrt(greatest(sum(w * theta * theta) / sum(w) - (sum(w * theta) / sum(w)) ^ 2, 0)) as ability_se
        from (select *, exp(ld - max(ld) over (partition by learner, topic)) as w from log_posterior)
        group by learner, topic;
"""


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
            select pseudo(r.learner_id) as learner, r.attempt_id, r.item_id, r.item_version, r.topic, r.level,
                   r.score, r.answered_at, coalesce(i.status in ('provisional', 'review'), false) as pretest
            from raw_responses r left join raw_items i on i.id = r.item_id and i.version = r.item_version;
        create table dim_memberships as
            select cohort_id, cohort, pseudo(learner_id) as learner from raw_memberships;
    """)
    conn.execute(_ABILITY)
    conn.execute("""
        create table agg_learner_topic as
            select m.cohort_id, m.cohort, f.learner, f.topic, count(*) as n_responses, avg(f.score) as mean_score,
                   avg(f.score) >= 0.8 as mastered, any_value(t.ability) as ability,
                   any_value(t.ability_se) as ability_se
            from fact_responses f join dim_memberships m using (learner)
            join learner_ability t on t.learner = f.learner and t.topic = f.topic
            where not f.pretest
            group by m.cohort_id, m.cohort, f.learner, f.topic;
        create table agg_cohort_topic as
            select cohort_id, cohort, topic, count(*) as n_learners, sum(n_responses) as n_responses,
                   round(avg(mean_score), 4) as mean_score, round(median(mean_score), 4) as median_score,
                   round(avg(mastered::int), 4) as share_mastered, round(avg(ability), 3) as mean_ability
            from agg_learner_topic group by all order by cohort_id, topic;
    """)
    conn.execute("drop macro pseudo")
    conn.execute("reset variable salt")
