"""SQL items on a real DuckDB sandbox: result-set scoring, and what a hostile learner query cannot do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ai4d_core.adapters.sql_sandbox import DuckDBSandbox
from ai4d_core.domain.items import SqlQueryItem
from ai4d_core.domain.result_sets import FixtureError
from ai4d_core.domain.scoring import AnswerError, score_answer, sql_verdict

pytestmark = pytest.mark.integration

SETUP = """
CREATE TABLE dept (id INTEGER PRIMARY KEY, name VARCHAR);
CREATE TABLE emp (id INTEGER, name VARCHAR, dept_id INTEGER, salary DOUBLE);
INSERT INTO dept VALUES (1, 'data'), (2, 'ml'), (3, 'ops');
INSERT INTO emp VALUES (1, 'ada', 1, 100.0), (2, 'bob', 1, 80.5), (3, 'cy', 2, 120.25), (4, 'di', 3, NULL),
                       (5, 'eve', 2, 99.99);
"""


def item(reference: str, **fields: Any) -> SqlQueryItem:
    return SqlQueryItem.model_validate(
        {"id": "sql-1", "topic": "sql", "level": 2, "stem": "Query it.", "explanation": "See the reference.",
         "fixture": {"setup_sql": SETUP}, "reference_query": reference, **fields}
    )  # fmt: skip


@pytest.fixture(scope="module")
def sandbox() -> DuckDBSandbox:
    return DuckDBSandbox(max_rows=100, timeout_s=0.5)


AVERAGES = item("SELECT d.name, AVG(e.salary) FROM emp e JOIN dept d ON d.id = e.dept_id GROUP BY d.name")
RIGHT = [
    "SELECT d.name AS dept, avg(salary) AS mean FROM dept d JOIN emp ON emp.dept_id = d.id GROUP BY 1 ORDER BY 1 DESC",
    "WITH s AS (SELECT dept_id, SUM(salary) / COUNT(salary) AS m FROM emp GROUP BY dept_id)\n"
    "SELECT name, m FROM s JOIN dept ON dept.id = s.dept_id  -- a comment; with a semicolon\n;",
    "FROM emp e JOIN dept d ON d.id = e.dept_id SELECT d.name, AVG(e.salary)::DECIMAL(18, 3) GROUP BY ALL",
]  # fmt: skip


@pytest.mark.parametrize("query", RIGHT)
def test_a_right_query_scores_1_whatever_its_column_names_and_row_order(sandbox: DuckDBSandbox, query: str) -> None:
    assert score_answer(AVERAGES, query, sql=sandbox) == 1.0


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("SELECT d.name, MAX(e.salary) FROM emp e JOIN dept d ON d.id = e.dept_id GROUP BY d.name", "rows differ"),
        ("SELECT name FROM dept", "expected 2 columns, got 1"),
        ("SELECT name, id FROM dept", "the rows differ"),
        ("SELECT id, name FROM dept", "column 1 should be of type text, got number"),
        ("SELECT name, salary FROM emp", "expected 3 rows, got 5"),
        ("SELECT nme, 1 FROM dept", 'Referenced column "nme" not found'),
        ("SELEKT 1", "syntax error"),
        ("SELECT 'x'::INTEGER, 1", "Could not convert string 'x'"),
    ],
)
def test_a_wrong_query_scores_0_with_a_reason(sandbox: DuckDBSandbox, query: str, reason: str) -> None:
    verdict = sql_verdict(AVERAGES, query, sandbox)
    assert verdict.score == 0.0
    assert reason in verdict.reason
    assert "Traceback" not in verdict.reason and "LINE 1" not in verdict.reason


def test_an_ordering_reference_makes_order_matter(sandbox: DuckDBSandbox) -> None:
    ranked = item("SELECT name FROM emp WHERE salary IS NOT NULL ORDER BY salary DESC")
    assert score_answer(ranked, "SELECT name AS n FROM emp WHERE salary > 0 ORDER BY salary DESC", sql=sandbox) == 1
    verdict = sql_verdict(ranked, "SELECT name FROM emp WHERE salary > 0 ORDER BY salary", sandbox)
    assert (verdict.score, verdict.reason) == (0.0, "the rows are right but not in the expected order")
    unordered = ranked.model_copy(update={"order_matters": False})
    assert score_answer(unordered, "SELECT name FROM emp WHERE salary > 0 ORDER BY name", sql=sandbox) == 1
    windowed = item("SELECT name, rank() OVER (ORDER BY salary) FROM emp")
    assert score_answer(windowed, "SELECT name, rank() OVER (ORDER BY salary) FROM emp ORDER BY name", sql=sandbox) == 1


def test_floats_are_compared_within_the_item_tolerance(sandbox: DuckDBSandbox) -> None:
    rounded = "SELECT ROUND(AVG(salary), 1) FROM emp"
    loose = item("SELECT AVG(salary) FROM emp", float_tolerance=1e-3)
    assert score_answer(loose, rounded, sql=sandbox) == 1
    assert score_answer(loose.model_copy(update={"float_tolerance": 1e-9}), rounded, sql=sandbox) == 0
    assert score_answer(loose, "SELECT SUM(salary) / 4.0 FROM emp", sql=sandbox) == 1
    assert score_answer(item("SELECT NULL::DOUBLE AS x"), "SELECT NULL", sql=sandbox) == 1


@pytest.mark.parametrize(
    "query",
    [
        "COPY emp TO '/tmp/ai4d-leak.csv'", "ATTACH '/tmp/ai4d-leak.db' AS leak", "INSTALL httpfs", "LOAD httpfs",
        "PRAGMA version", "PRAGMA database_list", "SET threads = 8", "RESET memory_limit", "CREATE TABLE x (a INT)",
        "INSERT INTO emp VALUES (9, 'mal', 1, 1.0)", "DROP TABLE emp", "CALL pragma_version()", "EXPLAIN SELECT 1",
        "EXPORT DATABASE '/tmp/ai4d-leak'", "SELECT 1; SELECT 2", "SELECT 1; DROP TABLE emp", "-- only a comment",
        "DETACH memory", "USE memory", "BEGIN TRANSACTION",
    ],
)  # fmt: skip
def test_statements_other_than_one_select_are_refused(sandbox: DuckDBSandbox, query: str) -> None:
    with pytest.raises(AnswerError, match=r"^item sql-1: (only a SELECT|give exactly one|the answer has no)"):
        score_answer(AVERAGES, query, sql=sandbox)
    assert not Path("/tmp/ai4d-leak.csv").exists() and not Path("/tmp/ai4d-leak.db").exists()


SECRETS = [p for p in (Path("/etc/hostname"), Path("/etc/passwd")) if p.is_file()]


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM read_csv('/etc/passwd')", "SELECT * FROM read_text('/etc/hostname')",
        "SELECT content, 1 FROM read_blob('/etc/hostname')", "SELECT * FROM '/etc/passwd'",
        "SELECT * FROM glob('/etc/*')", "SELECT * FROM read_json_auto('/etc/hostname')",
        "SELECT * FROM read_parquet('https://example.com/x.parquet')", "SELECT getenv('HOME'), 1",
        "SELECT * FROM sniff_csv('/etc/passwd')",
    ],
)  # fmt: skip
def test_files_network_and_environment_are_out_of_reach(sandbox: DuckDBSandbox, query: str) -> None:
    verdict = sql_verdict(AVERAGES, query, sandbox)
    assert verdict.score == 0.0 and verdict.reason
    for secret in SECRETS:
        for line in secret.read_text().splitlines()[:3]:
            assert line.strip() not in verdict.reason or len(line.strip()) < 4


def test_too_many_rows_score_0_with_the_reason(sandbox: DuckDBSandbox) -> None:
    verdict = sql_verdict(AVERAGES, "SELECT a.range, b.range FROM range(100000) a, range(100000) b", sandbox)
    assert (verdict.score, verdict.reason) == (0.0, "the query returns more than 100 rows")


def test_a_slow_query_is_interrupted(sandbox: DuckDBSandbox) -> None:
    slow = """WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 1000000000)
              SELECT count(*), 1 FROM r"""
    verdict = sql_verdict(AVERAGES, slow, sandbox)
    assert (verdict.score, verdict.reason) == (0.0, "the query took longer than 0.5 s")
    assert score_answer(AVERAGES, RIGHT[0], sql=sandbox) == 1.0  # the sandbox is still fine afterwards


def test_each_call_gets_a_fresh_fixture_and_the_configuration_stays_locked(sandbox: DuckDBSandbox) -> None:
    result = sandbox.run(SETUP, "SELECT current_setting('enable_external_access'), current_setting('threads')")
    assert result.rows == ((False, 1),)
    assert sandbox.run(SETUP, "SELECT count(*) FROM emp").rows == ((5,),)


def test_reference_results_are_cached_and_broken_items_raise_fixture_error(sandbox: DuckDBSandbox) -> None:
    first = sandbox.reference(SETUP, "SELECT 42")
    assert sandbox.reference(SETUP, "SELECT 42") is first
    with pytest.raises(FixtureError, match="reference query"):
        sandbox.reference(SETUP, "SELECT nope FROM emp")
    with pytest.raises(FixtureError, match="reference query"):
        sandbox.reference(SETUP, "DROP TABLE emp")
    with pytest.raises(FixtureError, match="may only create and fill tables"):
        sandbox.run("INSTALL httpfs; CREATE TABLE t (a INT)", "SELECT 1")
    with pytest.raises(FixtureError, match="fixture fails"):
        sandbox.run("CREATE TABLE t AS SELECT * FROM read_csv('/etc/passwd')", "SELECT 1")


def test_without_a_sandbox_sql_answers_are_refused() -> None:
    with pytest.raises(AnswerError, match="SQL answers need the sandbox"):
        score_answer(AVERAGES, "SELECT 1")
