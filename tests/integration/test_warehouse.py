"""The DuckDB warehouse: rebuilt from PostgreSQL, swapped atomically, read with authorization and k-anonymity."""

from __future__ import annotations

import duckdb
import pytest

from ai4d_core.bootstrap import Container
from ai4d_core.services.accounts import SessionUser, create_user
from ai4d_core.services.demo import COHORT, seed_demo
from ai4d_core.services.ingest import ingest_pending
from ai4d_core.services.reports import cohort_topic_summary
from ai4d_core.services.warehouse import refresh_warehouse

pytestmark = pytest.mark.integration


def _educator(c: Container) -> SessionUser:
    user = c.users.by_email("educator@demo.ai4d.example")
    assert user is not None
    return SessionUser(user.id, user.email, user.display_name, user.role)


@pytest.fixture
def loaded(clean: Container) -> Container:
    seed_demo(clean, learners=30, seed=5)
    ingest_pending(clean)
    return clean


def test_refresh_builds_pseudonymized_facts_and_cohort_aggregates(loaded: Container) -> None:
    report = refresh_warehouse(loaded)
    assert report.tables["fact_responses"] > 0
    rows = cohort_topic_summary(loaded, _educator(loaded))
    assert {r["topic"] for r in rows} == {"python", "sql", "statistics"}
    assert all(r["cohort"] == COHORT and r["n_learners"] >= 10 for r in rows)
    assert all(-1 <= r["mean_score"] <= 1 and 0 <= r["share_mastered"] <= 1 for r in rows)
    columns = {
        r["column_name"]
        for r in loaded.warehouse.query(
            "select column_name from information_schema.columns where table_name = 'fact_responses'"
        )
    }
    assert "learner" in columns and "learner_id" not in columns


def test_groups_under_k_learners_are_hidden(loaded: Container) -> None:
    refresh_warehouse(loaded)
    strict = Container(loaded.settings.model_copy(update={"k_anonymity": 1000}))
    try:
        assert cohort_topic_summary(strict, _educator(loaded)) == []
    finally:
        strict.close()


def test_learners_and_educators_of_other_cohorts_see_nothing(loaded: Container) -> None:
    refresh_warehouse(loaded)
    learner = loaded.users.by_email("learner002@demo.ai4d.example")
    assert learner is not None
    with pytest.raises(PermissionError):
        cohort_topic_summary(loaded, SessionUser(learner.id, learner.email, "", "learner"))
    other_id = create_user(loaded, "other@example.org", "Other", "educator", "another long passphrase here")
    assert cohort_topic_summary(loaded, SessionUser(other_id, "other@example.org", "", "educator")) == []


def test_before_the_first_refresh_the_summary_is_empty(loaded: Container) -> None:
    assert cohort_topic_summary(loaded, _educator(loaded)) == []


def test_a_reader_never_sees_a_half_built_file(loaded: Container) -> None:
    refresh_warehouse(loaded)
    path = loaded.settings.warehouse_path
    reader = duckdb.connect(str(path), read_only=True)
    before = reader.execute("select count(*) from fact_responses").fetchone()
    seed_demo(loaded, learners=40, seed=5)
    ingest_pending(loaded)
    refresh_warehouse(loaded)  # the swap happens while `reader` holds the old file open
    assert reader.execute("select count(*) from fact_responses").fetchone() == before
    reader.close()
    after = loaded.warehouse.query("select count(*) as n from fact_responses")[0]["n"]
    assert before is not None and after > before[0]
    assert not list(path.parent.glob("*.building*"))
