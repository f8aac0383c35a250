"""Flow: load pending submissions exactly once (bad ones are quarantined with their reason)."""

from __future__ import annotations

from prefect import flow, task
from pydantic import BaseModel, Field

from ai4d_core.bootstrap import bootstrap
from ai4d_core.services.ingest import ingest_pending


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


@flow(name="ingest-submissions", log_prints=True)
def ingest_submissions(params: IngestParams | None = None) -> dict[str, int]:
    return load_pending(params or IngestParams())
