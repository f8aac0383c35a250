"""Flow: load pending submissions exactly once (bad ones are quarantined with their reason), then ask the LLM,
when one is configured, for a suggested score on new open responses."""

from __future__ import annotations

from prefect import flow, task
from pydantic import BaseModel, Field

from ai4d_core.bootstrap import bootstrap
from ai4d_core.services.ingest import ingest_pending
from ai4d_core.services.score_suggestions import suggest_open_scores


class IngestParams(BaseModel):
    batch_size: int | None = Field(default=None, ge=1, description="submissions per transaction")
    max_batches: int | None = Field(default=None, ge=1, description="stop after this many batches")


@task(retries=2, retry_delay_seconds=[5, 30])
def load_pending(params: IngestParams) -> dict[str, int]:
    """One core call; retrying is safe because every batch is idempotent."""
    with bootstrap() as c:
        report = ingest_pending(c, params.batch_size, params.max_batches)
    print(report)
    return {
        "batches": len(report.batches),
        "accepted": report.accepted,
        "rejected": report.rejected,
        "responses": report.responses,
    }


@task(retries=1, retry_delay_seconds=30)
def suggest_open_response_scores() -> dict[str, int]:
    """An LLM's suggested score for new open responses, stored beside the rules' one for the educator who grades
    them (`services.grading`)."""
    with bootstrap() as c:
        report = suggest_open_scores(c)
    print(report)
    return {"suggested": report.suggested, "suggestion_failures": report.failed}


@flow(name="ingest-submissions", log_prints=True)
def ingest_submissions(params: IngestParams | None = None) -> dict[str, int]:
    loaded = load_pending(params or IngestParams())
    return loaded | suggest_open_response_scores()
