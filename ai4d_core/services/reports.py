"""What educators may read of the warehouse: authorization lives here, in the data-access layer."""

from __future__ import annotations

from typing import Any

from ai4d_core.adapters.duckdb_warehouse import DuckDBWarehouse, WarehouseMissingError
from ai4d_core.bootstrap import Container
from ai4d_core.services.accounts import SessionUser


def cohort_topic_summary(c: Container, viewer: SessionUser) -> list[dict[str, Any]]:
    """Per-topic aggregates of the viewer's cohorts, only for groups of at least k learners."""
    if viewer.role not in ("educator", "admin"):
        raise PermissionError("cohort aggregates are for educators")
    cohorts = c.users.cohorts_of(viewer.id, "educator")
    if not cohorts:
        return []
    try:
        return c.warehouse.query(
            "select * from agg_cohort_topic where list_contains(?, cohort_id) and n_learners >= ? "
            "order by cohort_id, topic",
            [cohorts, c.settings.k_anonymity],
        )
    except WarehouseMissingError:
        return []


def cohort_overview(warehouse: DuckDBWarehouse) -> list[dict[str, Any]]:
    """The analyst's view of cohort aggregates (pseudonymized warehouse; no k threshold for analysts)."""
    return warehouse.query("select * from agg_cohort_topic order by cohort_id, topic")


def topic_score_distribution(warehouse: DuckDBWarehouse, topic: str) -> list[dict[str, Any]]:
    """Learners per tenth of mean score for one topic, over all cohorts."""
    return warehouse.query(
        "select floor(mean_score * 10) / 10 as score_bin, count(*) as learners from agg_learner_topic "
        "where topic = ? group by 1 order by 1",
        [topic],
    )
