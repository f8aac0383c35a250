"""The calibrate-items flow against a real Prefect API and real PostgreSQL: each flow run is one stored run."""

from __future__ import annotations

import pytest

from ai4d_core.bootstrap import Container
from ai4d_core.services.calibration import last_calibration
from ai4d_core.services.demo import seed_demo
from ai4d_core.services.ingest import ingest_pending
from ai4d_core.settings import Settings

pytestmark = pytest.mark.flows


def test_the_flow_stores_one_run_per_flow_run_and_keeps_thin_pretest_items(
    prefect_api: None, clean: Container, service_env: Settings
) -> None:
    from flows.calibrate_items import CalibrateParams, calibrate_items

    seed_demo(clean, learners=15, seed=11)
    ingest_pending(clean)

    first = calibrate_items()
    stored = last_calibration(clean)
    assert stored is not None and stored.run_id == first["run_id"] and first["run_id"].startswith("flow-")
    # 15 learners leave every pretest item short of 30 answers: all kept, none promoted on so little.
    kept = stored.only("kept")
    print(f"checked {len(stored.decisions)} decisions")
    assert first["kept"] == len(kept) == 6 and "promoted" not in first and not stored.anchored
    assert all(d.reason.startswith("not enough responses: ") and d.reason.endswith(" of 30") for d in kept)

    second = calibrate_items()
    assert second["run_id"] != first["run_id"]
    latest = last_calibration(clean)
    assert latest is not None and latest.anchored and latest.run_id == second["run_id"]
    anchors = [d for d in latest.decisions if d.fixed]
    assert len(anchors) == 36  # the demo items calibrated by the first run, now held

    rescaled = calibrate_items(CalibrateParams(rescale=True))
    again = last_calibration(clean, rescaled["run_id"])
    assert again is not None and not again.anchored and not any(d.fixed for d in again.decisions)
