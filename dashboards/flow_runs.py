"""Prefect flow runs for the dashboards: start an `analyze-profiles` re-run and read how far it got.

`ai4d_core` never imports prefect: `services.profile_review` takes a `FlowRuns`, and this is the Prefect one.
A run is started on the deployment `ai4d up` registers from prefect.yaml (`analyze-profiles/analyze-profiles`)
and executed by the worker; its progress is its state and, while it runs, the newest progress artifact the flow
made (percent, with a description such as "12 of 40 learners"). Every call that needs the API first asks its
health endpoint (2 s), so a page never hangs on a Prefect that is not there; it says so instead.

Calls block on HTTP: run them off the event loop (the page does, in an executor).
"""

from __future__ import annotations

import urllib.error
import urllib.request
import uuid
from collections.abc import Sequence
from typing import Any

from ai4d_core.services.profile_review import FlowRunsUnavailableError, RunProgress

DEPLOYMENT = "analyze-profiles/analyze-profiles"
HEALTH_TIMEOUT_S = 2.0
WAITING = {
    "Scheduled": "waiting for a worker", "Late": "waiting for a worker (none has picked it up yet)",
    "Submitting": "handed to the worker", "Pending": "starting", "AwaitingRetry": "waiting to retry",
}  # fmt: skip


NOT_FINISHED = "it did not finish; the flow run's log in Prefect says why (`ai4d status` shows where Prefect is)"


def rerun_parameters(learner_ids: Sequence[int]) -> dict[str, Any]:
    """The flow's parameters for a re-run of these learners with the LLM (flows/analyze_profiles.AnalyzeParams)."""
    return {"params": {"learner_ids": [int(i) for i in learner_ids], "use_llm": True}}


def api_url() -> str:
    """The Prefect API this process talks to (PREFECT_API_URL, or the profile's setting)."""
    from prefect.settings import get_current_settings

    return str(get_current_settings().api.url or "").rstrip("/")


def _require_api() -> str:
    url = api_url()
    if not url.startswith(("http://", "https://")):
        raise FlowRunsUnavailableError("No Prefect API is configured (PREFECT_API_URL): re-runs need Prefect.")
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=HEALTH_TIMEOUT_S) as response:  # noqa: S310 - scheme checked
            healthy = int(response.status) == 200
    except (OSError, urllib.error.URLError):
        healthy = False
    if not healthy:
        raise FlowRunsUnavailableError(
            f"The Prefect API at {url} does not answer, so no re-run can start: start AI4D with `ai4d up` "
            "(Prefect server and worker), or point PREFECT_API_URL at a running one."
        )
    return url


class PrefectFlowRuns:
    """`FlowRuns` on the Prefect API: `start` creates a flow run of the deployment and returns at once."""

    def __init__(self, deployment: str = DEPLOYMENT) -> None:
        self.deployment = deployment

    def start(self, learner_ids: Sequence[int]) -> uuid.UUID:
        url = _require_api()
        from prefect.deployments import run_deployment
        from prefect.exceptions import ObjectNotFound

        try:
            # _sync: Prefect picks its async version whenever it sees a run context or an event loop in this
            # thread (a coroutine that never runs, and no re-run); this call is always a blocking one.
            run: Any = run_deployment(  # type: ignore[call-arg]
                self.deployment, parameters=rerun_parameters(learner_ids), timeout=0, as_subflow=False,
                tags=["ai4d", "profile-rerun"], _sync=True,
            )  # fmt: skip
        except ObjectNotFound as exc:
            raise FlowRunsUnavailableError(
                f"The deployment {self.deployment} is not registered on the Prefect API at {url}: "
                "`ai4d up` registers it (prefect.yaml)."
            ) from exc
        except Exception as exc:  # httpx and Prefect errors alike: the page must say it did not start
            raise FlowRunsUnavailableError(f"Prefect did not start the re-run ({type(exc).__name__}).") from exc
        return uuid.UUID(str(run.id))

    def progress(self, run_id: uuid.UUID) -> RunProgress:
        _require_api()
        from prefect.client.orchestration import get_client

        try:
            with get_client(sync_client=True) as client:
                run = client.read_flow_run(run_id)
                artifacts = _progress_artifacts(client, run_id)
        except Exception as exc:  # a run the API lost, or the API went away between the two calls
            raise FlowRunsUnavailableError(f"Prefect could not report the re-run ({type(exc).__name__}).") from exc
        return progress_of(run.state, artifacts)


def _progress_artifacts(client: Any, run_id: uuid.UUID) -> list[Any]:
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterType
    from prefect.client.schemas.sorting import ArtifactSort

    found: list[Any] = client.read_artifacts(
        artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]), type=ArtifactFilterType(any_=["progress"])
        ),
        sort=ArtifactSort.UPDATED_DESC, limit=1,
    )  # fmt: skip
    return found


def _percent(data: Any) -> float | None:
    try:
        value = float(data)
    except (TypeError, ValueError):
        return None
    return min(100.0, max(0.0, value)) if value == value else None  # NaN is no progress


def progress_of(state: Any, artifacts: Sequence[Any]) -> RunProgress:
    """A `RunProgress` from a flow run's state and its newest progress artifact, whatever either holds: the
    artifact's percent and description ("12 of 40 learners ..."), else 100% once completed; a failed run's
    a failed run where to look; a run no worker has taken yet says so."""
    name = str(getattr(state, "name", None) or "Unknown")
    final = bool(state is not None and state.is_final())
    ok = bool(state is not None and state.is_completed())
    newest = artifacts[0] if artifacts else None
    percent = _percent(getattr(newest, "data", None))
    if ok and percent is None:
        percent = 100.0
    message = str(getattr(newest, "description", None) or "")[:300] or WAITING.get(name, "")
    if final and not ok:  # the state's message can hold internals (an exception): the page says where to look
        message = NOT_FINISHED
    return RunProgress(state=name, final=final, ok=ok, percent=percent, message=message)


__all__ = ["DEPLOYMENT", "NOT_FINISHED", "PrefectFlowRuns", "api_url", "progress_of", "rerun_parameters"]
