"""The sandbox as served: DuckDB in capped worker processes, surviving what DuckDB alone cannot stop."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ai4d_core.adapters.sql_sandbox_process import IsolatedSandbox
from ai4d_core.domain.result_sets import QueryError, QueryRefusedError

pytestmark = pytest.mark.integration
SETUP = "create table t (x integer); insert into t values (1), (2), (3);"
SLOW = "with recursive r(n) as (select 1 union all select n + 1 from r where n < 1000000000) select count(*) from r"


@pytest.fixture
def sandbox() -> Iterator[IsolatedSandbox]:
    runner = IsolatedSandbox(workers=1)
    yield runner
    runner.close()


def test_runs_queries_and_refuses_statements_like_the_sandbox(sandbox: IsolatedSandbox) -> None:
    assert sandbox.run(SETUP, "select sum(x) from t").rows == ((6,),)
    assert sandbox.reference(SETUP, "select x from t order by x").rows == ((1,), (2,), (3,))
    with pytest.raises(QueryRefusedError):
        sandbox.run(SETUP, "copy t to '/tmp/ai4d-leak.csv'")


def test_a_gigabyte_allocation_fails_in_the_worker_and_the_next_answer_still_runs(sandbox: IsolatedSandbox) -> None:
    with pytest.raises(QueryError, match="more memory"):
        sandbox.run(SETUP, "select length(repeat('x', 2000000000))")
    assert sandbox.run(SETUP, "select count(*) from t").rows == ((3,),)


def test_a_query_past_the_hard_timeout_has_its_worker_replaced() -> None:
    runner = IsolatedSandbox(workers=1, hard_timeout_s=1.0, timeout_s=60.0)
    try:
        with pytest.raises(QueryError, match="took longer"):
            runner.run(SETUP, SLOW)
        assert runner.run(SETUP, "select max(x) from t").rows == ((3,),)
    finally:
        runner.close()
