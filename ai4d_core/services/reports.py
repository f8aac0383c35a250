"""What educators, analysts and admins may read of learners' results; `ai4d_core.policy` decides."""

from __future__ import annotations

from typing import Any

from ai4d_core import policy
from ai4d_core.adapters.duckdb_warehouse import DuckDBWarehouse, WarehouseMissingError
from ai4d_core.bootstrap import Container
from ai4d_core.policy import EDUCATOR, LEARNER, Principal
from ai4d_core.services.cohorts import store as cohort_store


def _taught(c: Container, viewer: Principal | None) -> list[int]:
    if viewer is None or viewer.role != EDUCATOR:
        return []
    return cohort_store(c).cohorts_of(viewer.id, EDUCATOR)


def cohort_topic_summary(c: Container, viewer: Principal | None) -> list[dict[str, Any]]:
    """Per-topic aggregates of the viewer's cohorts (all for admins), only for groups of at least k learners."""
    min_group = policy.aggregate_threshold(viewer, c.settings.k_anonymity)
    visible = policy.visible_cohorts(viewer, _taught(c, viewer))
    if visible is not None and not visible:
        return []
    params: list[object]
    where, params = "n_learners >= ?", [min_group]
    if visible is not None:
        where, params = "list_contains(?, cohort_id) and n_learners >= ?", [sorted(visible), min_group]
    try:
        return c.warehouse.query(f"select * from agg_cohort_topic where {where} order by cohort_id, topic", params)  # noqa: S608 - fixed text
    except WarehouseMissingError:
        return []


def learner_detail(c: Container, viewer: Principal | None, learner_id: int) -> dict[str, Any]:
    """One learner's name and latest profile: for the learner, an admin, or an educator of one of their cohorts."""
    cohorts = cohort_store(c)
    policy.require_learner_detail(viewer, learner_id, _taught(c, viewer), cohorts.cohorts_of(learner_id, LEARNER))
    user = c.users.get(learner_id)
    if user is None or user.role != LEARNER:
        raise policy.Forbidden(policy.NOT_YOURS)
    return {"learner_id": user.id, "display_name": user.display_name, "profile": c.profiles.latest(user.id)}


def warehouse_overview(c: Container, viewer: Principal | None) -> list[dict[str, Any]]:
    """Every cohort's aggregates from the pseudonymous warehouse: analysts and admins."""
    policy.require_warehouse(viewer)
    try:
        return cohort_overview(c.warehouse)
    except WarehouseMissingError:
        return []


def cohort_overview(warehouse: DuckDBWarehouse) -> list[dict[str, Any]]:
    """The analyst's view of cohort aggregates (pseudonymized warehouse; for tools that hold the warehouse file)."""
    return warehouse.query("select * from agg_cohort_topic order by cohort_id, topic")


def topic_score_distribution(warehouse: DuckDBWarehouse, topic: str) -> list[dict[str, Any]]:
    """Learners per tenth of mean score for one topic, over all cohorts (analyst tools)."""
    return warehouse.query(
        "select floor(mean_score * 10) / 10 as score_bin, count(*) as learners from agg_learner_topic "
        "where topic = ? group by 1 order by 1",
        [topic],
    )
