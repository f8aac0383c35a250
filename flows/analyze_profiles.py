"""Flow: a profile for every learner with new responses (or for the named learners, a re-run), written by the
rules and, with an LLM configured and asked for, rewritten by it and checked; delivered to MongoDB via the outbox.

Progress: printed per round of learners and kept as a progress artifact ("40 of 120 learners ...") that the
educators' re-run panel reads. The result holds the counts: written, llm, fallback and the fallback reasons.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

from prefect import flow, task
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from pydantic import BaseModel, Field

from ai4d_core.bootstrap import bootstrap
from ai4d_core.services.analysis import WriteReport, analyze_due, relay_outbox


class AnalyzeParams(BaseModel):
    limit: int | None = Field(default=None, ge=1, description="analyze at most this many learners")
    learner_ids: list[int] | None = Field(
        default=None, max_length=100_000, description="re-run these learners, due or not (a new version each)"
    )
    use_llm: bool = Field(default=True, description="let the configured LLM rewrite the text (checked)")


@task(retries=1, retry_delay_seconds=10)
def write_profiles(params: AnalyzeParams) -> dict[str, Any]:
    artifact = cast(uuid.UUID, create_progress_artifact(0.0, description="starting"))  # sync here: a UUID

    def progress(report: WriteReport, total: int) -> None:
        done = report.written + report.skipped
        line = f"{done} of {total} learners: {report}"
        print(line)
        update_progress_artifact(artifact, 100.0 * done / max(total, 1), description=line[:500])

    with bootstrap() as c:
        report = analyze_due(c, params.limit, learner_ids=params.learner_ids, use_llm=params.use_llm, progress=progress)
    print(report)
    return {
        "written": report.written,
        "skipped": report.skipped,
        "llm": report.llm,
        "fallback": report.fallback,
        "reasons": dict(report.reasons),
    }


@task(retries=3, retry_delay_seconds=[5, 30, 120])
def deliver_profiles() -> dict[str, int]:
    with bootstrap() as c:
        delivered, failed = relay_outbox(c)
    print(f"{delivered} profile(s) delivered to MongoDB, {failed} failed")
    if failed:
        raise RuntimeError(f"{failed} profile(s) could not be delivered; they stay queued")
    return {"delivered": delivered}


@flow(name="analyze-profiles", log_prints=True)
def analyze_profiles(params: AnalyzeParams | None = None) -> dict[str, Any]:
    written = write_profiles(params or AnalyzeParams())
    return written | deliver_profiles()
