"""The flows against a real Prefect API (one harness per session) and the real stores."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from prefect.flows import load_flow_from_entrypoint

from ai4d_core.bootstrap import Container
from ai4d_core.services.demo import seed_demo
from ai4d_core.settings import Settings

pytestmark = pytest.mark.flows
ROOT = Path(__file__).resolve().parents[2]


def _deployments() -> list[dict[str, object]]:
    return list(yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"])


def test_every_prefect_yaml_entrypoint_loads_a_flow_of_that_name() -> None:
    deployments = _deployments()
    print(f"checked {len(deployments)} deployments")
    assert len(deployments) >= 3
    for deployment in deployments:
        flow: Any = load_flow_from_entrypoint(str(ROOT / str(deployment["entrypoint"])))
        assert flow.name == deployment["name"]
        assert deployment["schedules"], f"{deployment['name']} has no schedule"


def test_the_three_flows_take_demo_submissions_to_profiles_and_aggregates(
    prefect_api: None, clean: Container, service_env: Settings
) -> None:
    from flows.analyze_profiles import analyze_profiles
    from flows.ingest_submissions import ingest_submissions
    from flows.refresh_warehouse import refresh_warehouse

    report = seed_demo(clean, learners=15, seed=11)

    ingested = ingest_submissions()
    analyzed = analyze_profiles()
    tables = refresh_warehouse()

    assert ingested["accepted"] == report.submissions and ingested["rejected"] == 0
    assert analyzed["written"] == analyzed["delivered"] == 14  # learner 001 has no history yet
    assert tables["agg_cohort_topic"] == 3
    # Running everything again is a no-op: nothing is loaded or profiled twice.
    assert ingest_submissions()["responses"] == 0
    assert analyze_profiles()["written"] == 0
