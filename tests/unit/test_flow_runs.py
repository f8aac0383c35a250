"""Reading a re-run's progress from whatever Prefect reports: its state and its newest progress artifact."""

from __future__ import annotations

import inspect
from types import SimpleNamespace
from typing import Any

import pytest
from prefect.states import Completed, Failed, Running, Scheduled

from dashboards.flow_runs import NOT_FINISHED, progress_of, rerun_parameters

pytestmark = pytest.mark.unit


def _artifact(data: Any, description: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(data=data, description=description)


@pytest.mark.parametrize(
    ("data", "percent"),
    [(40.0, 40.0), ("12.5", 12.5), (150, 100.0), (-3, 0.0), (float("nan"), None), ("abc", None), (None, None),
     ({"x": 1}, None)],
)  # fmt: skip
def test_a_running_run_reports_the_artifacts_percent_or_none(data: Any, percent: float | None) -> None:
    progress = progress_of(Running(), [_artifact(data, "3 of 8 learners")])
    assert (progress.state, progress.final, progress.ok) == ("Running", False, False)
    assert progress.percent == percent and progress.message == "3 of 8 learners"


def test_waiting_finished_and_failed_runs_say_what_they_are() -> None:
    waiting = progress_of(Scheduled(), [])
    assert waiting.percent is None and waiting.message == "waiting for a worker" and not waiting.final
    done = progress_of(Completed(), [])
    assert done.final and done.ok and done.percent == 100.0
    failed = progress_of(Failed(message="Flow run encountered an exception: ValueError"), [_artifact(50.0)])
    assert failed.final and not failed.ok and failed.percent == 50.0
    assert failed.message == NOT_FINISHED  # not the exception: internals stay in Prefect's log
    unknown = progress_of(None, [])
    assert (unknown.state, unknown.final, unknown.ok) == ("Unknown", False, False)


def test_the_parameters_name_the_learners_ask_for_the_llm_and_fit_the_flow() -> None:
    from flows.analyze_profiles import AnalyzeParams, analyze_profiles

    parameters = rerun_parameters([3, 1])
    assert parameters == {"params": {"learner_ids": [3, 1], "use_llm": True}}
    assert set(parameters) == set(inspect.signature(analyze_profiles.fn).parameters)
    assert set(parameters["params"]) <= set(AnalyzeParams.model_fields)
    assert AnalyzeParams(**parameters["params"]).learner_ids == [3, 1]
