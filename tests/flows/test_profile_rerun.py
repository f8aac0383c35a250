"""An educator's re-run of a fallback profile, as a Prefect flow run on the real API: started from the review
service, executed by a runner serving `analyze-profiles`, its progress read back, a new LLM version written."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ai4d_core.bootstrap import Container
from ai4d_core.policy import Forbidden, Viewer
from ai4d_core.services import profile_review
from ai4d_core.services.demo import seed_demo
from ai4d_core.services.profile_review import FlowRunsUnavailableError, RunProgress
from ai4d_core.settings import Settings
from dashboards.flow_runs import PrefectFlowRuns
from tests.flow_runner import served_analyze_profiles
from tests.llm_server import FakeLlm

pytestmark = pytest.mark.flows


def _flow_runs() -> int:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return len(client.read_flow_runs())


def _educator(c: Container) -> Viewer:
    user = c.users.by_email("educator@demo.ai4d.example")
    assert user is not None
    return Viewer(user.id, user.role)


def _follow(c: Container, viewer: Viewer, run_id: object, runs: PrefectFlowRuns) -> list[RunProgress]:
    """Every progress read until the run ends (no time limit: a run that never ends hangs the test visibly)."""
    seen = [profile_review.rerun_progress(c, viewer, run_id, runs)]  # type: ignore[arg-type]
    while not seen[-1].final:
        time.sleep(0.5)
        seen.append(profile_review.rerun_progress(c, viewer, run_id, runs))  # type: ignore[arg-type]
    return seen


def test_an_educator_reruns_one_fallback_profile_with_the_llm_and_follows_its_progress(
    prefect_api: None, clean: Container, service_env: Settings, tmp_path: Path
) -> None:
    from flows.analyze_profiles import analyze_profiles
    from flows.ingest_submissions import ingest_submissions

    seed_demo(clean, learners=3, seed=5)
    ingest_submissions()
    analyze_profiles()  # the test settings have no LLM: rules profiles with the reason
    educator = _educator(clean)
    queue = profile_review.review_queue(clean, educator)
    assert len(queue) == 2 and all(e.reason == "llm: not configured" for e in queue)  # learner 001 has no answers
    target, other = queue[0].learner_id, queue[1].learner_id
    before = clean.profiles.latest(target)
    assert before is not None and before["provenance"]["source"] == "rules"

    with (
        FakeLlm() as llm,
        served_analyze_profiles(
            service_env, tmp_path / "runner.log", AI4D_LLM_BASE_URL=llm.url, AI4D_LLM_MODEL="fake-profile-model"
        ),
    ):
        with_llm = Container(clean.settings.model_copy(update={"llm_base_url": llm.url}))
        runs = PrefectFlowRuns()
        try:
            analyst = Viewer(clean.users.add("ann@example.org", "Ann", "analyst", "not-a-hash"), "analyst")
            learner = Viewer(target, "learner")
            started = _flow_runs()
            for outsider in (analyst, learner):
                with pytest.raises(Forbidden):
                    profile_review.start_rerun(with_llm, outsider, [target], runs)
            assert _flow_runs() == started  # refused before Prefect was asked for anything

            clock = time.monotonic()
            run_id = profile_review.start_rerun(with_llm, educator, [target], runs)
            seen = _follow(with_llm, educator, run_id, runs)
            elapsed = time.monotonic() - clock
        finally:
            with_llm.close()

    print(
        f"re-run: {elapsed:.1f} s from start to Completed, {len(seen)} progress reads, states {[p.state for p in seen]}"
    )
    final = seen[-1]
    assert final.ok and final.state == "Completed", final
    assert final.percent == 100.0 and "1 of 1 learners" in final.message  # the flow's progress artifact
    after = clean.profiles.latest(target)
    assert after is not None and after["version"] == before["version"] + 1
    assert after["provenance"]["source"] == "llm" and after["provenance"]["model"] == "fake-profile-model"
    assert llm.profiles == 1
    queue = profile_review.review_queue(clean, educator)
    assert [e.learner_id for e in queue] == [other]  # the re-run learner left the queue; the other is untouched
    untouched = clean.profiles.latest(other)
    assert untouched is not None and untouched["version"] == 1


def test_without_a_prefect_api_or_deployment_a_rerun_says_why_it_did_not_start(prefect_api: None) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with pytest.raises(FlowRunsUnavailableError, match="not registered"):
        PrefectFlowRuns("analyze-profiles/nowhere").start([1])
    dead = {PREFECT_API_URL: "http://127.0.0.1:9/api"}
    with temporary_settings(dead), pytest.raises(FlowRunsUnavailableError, match="does not answer"):
        PrefectFlowRuns().start([1])
