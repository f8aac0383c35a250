"""Flow: calibrate the item bank from all answers and promote or set aside provisional items (nightly)."""

from __future__ import annotations

from typing import Any

from prefect import flow, task
from prefect.runtime import flow_run
from pydantic import BaseModel, Field

from ai4d_core.bootstrap import bootstrap
from ai4d_core.services.calibration import calibrate_items as calibrate


class CalibrateParams(BaseModel):
    rescale: bool = Field(default=False, description="calibrate active items freely again: a new scale")


@task(retries=1, retry_delay_seconds=60)
def calibrate_bank(params: CalibrateParams, run_id: str) -> dict[str, Any]:
    # The flow run's id names the calibration: a retried task finds its run stored and writes nothing twice.
    with bootstrap() as c:
        report = calibrate(c, run_id, rescale=params.rescale)
    print(report)
    return {"run_id": report.run_id, "responses": report.n_responses, "items": report.n_items} | report.counts


@flow(name="calibrate-items", log_prints=True)
def calibrate_items(params: CalibrateParams | None = None) -> dict[str, Any]:
    return calibrate_bank(params or CalibrateParams(), f"flow-{flow_run.id}")
