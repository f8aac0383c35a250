"""Calibration on real PostgreSQL: the demo cohort's answers, the decisions and their reasons, the stored run,
the new item versions, reruns, anchoring, and the profiles and warehouse using the calibrated parameters."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ai4d_core.adapters.sql import analysis as analysis_store
from ai4d_core.adapters.sql.tables import ItemRow
from ai4d_core.adapters.sql.tables_calibration import CalibrationRun, ItemCalibration
from ai4d_core.bootstrap import Container
from ai4d_core.domain.irt import Observation, eap
from ai4d_core.domain.items import ItemStatus
from ai4d_core.services.accounts import SessionUser
from ai4d_core.services.calibration import CalibrationReport, ItemDecision, calibrate_items, last_calibration
from ai4d_core.services.demo import learner_email, seed_demo
from ai4d_core.services.ingest import ingest_pending
from ai4d_core.services.reports import cohort_topic_summary
from ai4d_core.services.warehouse import refresh_warehouse

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def demo_run(container: Container) -> tuple[Container, CalibrationReport]:
    """The full demo (200 learners, seed 7), ingested and calibrated once for the module."""
    from tests.conftest import _empty_stores

    _empty_stores(container)
    seed_demo(container, learners=200, seed=7)
    ingest_pending(container)
    return container, calibrate_items(container, "demo-1")


def _by_id(report: CalibrationReport) -> dict[str, ItemDecision]:
    return {d.item_id: d for d in report.decisions}


def test_the_demo_run_promotes_sets_aside_and_keeps_each_with_its_reason(
    demo_run: tuple[Container, CalibrationReport],
) -> None:
    _, report = demo_run
    d = {k: v for k, v in _by_id(report).items() if k.startswith("pre-")}
    print(report, *(f"{k}: {v.decision} - {v.reason}" for k, v in d.items()), sep="\n")
    decisions = {k: v.decision for k, v in d.items()}
    assert decisions == {
        "pre-sql-01": "promoted", "pre-py-01": "promoted", "pre-stat-01": "promoted",
        "pre-sql-02": "set_aside", "pre-stat-02": "set_aside", "pre-py-02": "kept",
    }  # fmt: skip
    assert d["pre-sql-02"].reason.startswith("negative discrimination")
    assert d["pre-stat-02"].reason.startswith("distractor problem: abler learners choose option d")
    assert d["pre-py-02"].reason == "not enough responses: 12 of 30"
    assert "point-biserial" in d["pre-sql-01"].reason
    # the curated bank's 324 active items (36 answered in the demo: the scale), the demo's 6 pretest items
    assert report.counts == {"active": 324, "kept": 1, "promoted": 3, "set_aside": 2}
    assert report.n_items == 330 and report.n_learners == 199 and not report.anchored and report.converged
    unanswered = [d for d in report.decisions if d.n_responses == 0]
    assert len(unanswered) == 288 and all(d.reason.startswith("active item without answers") for d in unanswered)


def test_statuses_change_by_a_new_version_and_calibrations_land_in_the_bodies(
    demo_run: tuple[Container, CalibrationReport],
) -> None:
    c, report = demo_run
    promoted, aside, kept = c.items.get("pre-sql-01"), c.items.get("pre-sql-02"), c.items.get("pre-py-02")
    assert promoted is not None and aside is not None and kept is not None
    assert (promoted.version, promoted.status) == (2, ItemStatus.ACTIVE)
    assert (aside.version, aside.status) == (2, ItemStatus.REVIEW)
    assert (kept.version, kept.status) == (1, ItemStatus.PROVISIONAL)
    decision = _by_id(report)["pre-sql-01"]
    answered = c.items.get("pre-sql-01", 1)  # the version the answers were given to, calibrated in place
    for version in (promoted, answered):
        assert version is not None and version.calibration.model == "2pl-mml-1"
        assert version.calibration.run == "demo-1"
        assert version.irt_parameters == pytest.approx((decision.a, decision.b))
        assert version.calibration.n_responses == decision.n_responses > 100
    scale = c.items.get("sql-005")
    assert scale is not None and scale.version == 1 and scale.calibration.model == "2pl-mml-1"
    assert kept.calibration.n_responses == 12  # thin, but its estimate (near its level's prior) is kept
    in_review = [i.id for i in c.items.all_versions().values() if i.status is ItemStatus.REVIEW]
    assert sorted(in_review) == ["pre-sql-02", "pre-stat-02"]


def test_a_rerun_of_the_same_run_id_changes_nothing(demo_run: tuple[Container, CalibrationReport]) -> None:
    c, report = demo_run
    with c.engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(ItemCalibration)).scalar_one()
        versions = conn.execute(select(func.count()).select_from(ItemRow)).scalar_one()
    again = calibrate_items(c, "demo-1")
    assert again.decisions == report.decisions and again.run_id == "demo-1"
    with c.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ItemCalibration)).scalar_one() == before == 330
        assert conn.execute(select(func.count()).select_from(ItemRow)).scalar_one() == versions
        assert conn.execute(select(func.count()).select_from(CalibrationRun)).scalar_one() == 1
    stored = last_calibration(c)
    assert stored is not None and stored.decisions == report.decisions


def test_profiles_use_the_calibrated_parameters_and_skip_pretest_answers(
    demo_run: tuple[Container, CalibrationReport],
) -> None:
    c, report = demo_run
    learner = c.users.by_email(learner_email(2))
    assert learner is not None
    with c.engine.connect() as conn:
        evidence = analysis_store.evidence_of(conn, learner.id)
    params = {d.item_id: (d.a, d.b) for d in report.decisions}
    assert evidence and not [e for e in evidence if e.item_id.startswith("pre-")]
    for e in evidence:
        assert (e.a, e.b) == pytest.approx(params[e.item_id])
    authored = {i.id: i.difficulty for i in c.items.all_versions().values()}
    assert any(abs(e.b - authored[e.item_id]) > 0.1 for e in evidence)  # not the placeholder difficulty


def test_the_warehouse_uses_the_calibrated_parameters(demo_run: tuple[Container, CalibrationReport]) -> None:
    c, _ = demo_run
    refresh_warehouse(c)
    items = {(r["id"], r["version"]): r for r in c.warehouse.query("select * from dim_items")}
    calibrated = 0
    for (item_id, version), item in c.items.all_versions().items():
        row = items[(item_id, version)]
        assert (row["a"], row["b"]) == pytest.approx(item.irt_parameters)
        assert row["calibration_model"] == item.calibration.model
        calibrated += item.calibration.model is not None
    assert calibrated == 36 + 6 + 5  # the answered items, and the new versions of the promoted and set aside
    assert items[("sql-005", 1)]["b"] != items[("sql-005", 1)]["difficulty"]
    educator = c.users.by_email("educator@demo.ai4d.example")
    assert educator is not None
    viewer = SessionUser(educator.id, educator.email, educator.display_name, educator.role)
    rows = cohort_topic_summary(c, viewer)  # what the educator's cohort view shows
    assert {r["topic"] for r in rows} == {"python", "sql", "statistics"}
    assert all(-1.5 < r["mean_ability"] < 1.5 for r in rows)
    # The mean ability is the EAP under the calibrated parameters: recompute one learner's with domain.irt.
    one = c.warehouse.query("select learner, topic, ability from agg_learner_topic order by learner, topic limit 1")[0]
    answers = c.warehouse.query(
        "select i.a, i.b, f.score from fact_responses f join dim_items i on i.id = f.item_id "
        "and i.version = f.item_version where f.learner = ? and f.topic = ? and not f.pretest",
        [one["learner"], one["topic"]],
    )
    expected = eap([Observation(r["a"], r["b"], r["score"]) for r in answers])
    assert one["ability"] == pytest.approx(expected.theta, abs=2e-3)
    pretest = c.warehouse.query("select count(*) as n from fact_responses where pretest")[0]["n"]
    scored = c.warehouse.query("select sum(n_responses) as n from agg_cohort_topic")[0]["n"]
    total = c.warehouse.query("select count(*) as n from fact_responses")[0]["n"]
    assert pretest > 0 and scored == total - pretest


def test_the_next_run_keeps_the_scale_of_the_anchors(demo_run: tuple[Container, CalibrationReport]) -> None:
    c, first = demo_run
    second = calibrate_items(c, "demo-2")
    before, after = _by_id(first), _by_id(second)
    assert second.anchored
    anchors = [d for d in second.decisions if d.fixed]
    assert len(anchors) == 39  # the 36 scale items and the 3 promoted ones (at their new version)
    for d in anchors:
        old = before[d.item_id]
        assert (d.a, d.b) == pytest.approx((old.a, old.b))
        assert d.reason.startswith("anchor: held at") and "demo-1" in d.reason
    assert after["pre-sql-01"].item_version == 2 and after["pre-sql-01"].decision == "active"
    assert "pre-sql-02" not in after  # set aside: not calibrated until someone puts it back
    assert after["pre-py-02"].decision == "kept"
    latest = last_calibration(c)
    assert latest is not None and latest.run_id == "demo-2"
    assert [d.item_id for d in latest.only("kept")] == ["pre-py-02"]


def test_an_empty_bank_makes_an_empty_run(clean: Container) -> None:
    # Last in the module: `clean` empties the stores the module's demo run lives in.
    report = calibrate_items(clean, "empty")
    assert (report.n_items, report.n_responses, report.decisions) == (0, 0, ())
    stored = last_calibration(clean)
    assert stored is not None and stored.run_id == "empty" and str(stored).endswith("no items")
