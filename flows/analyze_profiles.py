"""Flow: a rule-based profile for every learner with new responses, delivered to MongoDB via the outbox."""

from __future__ import annotations

from prefect import flow, task
from pydantic import BaseModel, Field

from ai4d_core.bootstrap import bootstrap
from ai4d_core.services.analysis import analyze_due, relay_outbox


class AnalyzeParams(BaseModel):
    limit: int | None = Field(default=None, ge=1, description="analyze at most this many learners")


@task(retries=1, retry_delay_seconds=10)
def write_profiles(params: AnalyzeParams) -> dict[str, int]:
    with bootstrap() as c:
        written, skipped = analyze_due(c, params.limit)
    print(f"{written} profile(s) written, {skipped} skipped")
    return {"written": written, "skipped": skipped}


@task(retries=3, retry_delay_seconds=[5, 30, 120])
def deliver_profiles() -> dict[str, int]:
    with bootstrap() as c:
        delivered, failed = relay_outbox(c)
    print(f"{delivered} profile(s) delivered to MongoDB, {failed} failed")
    if failed:
        raise RuntimeError(f"{failed} profile(s) could not be delivered; they stay queued")
    return {"delivered": delivered}


@flow(name="analyze-profiles", log_prints=True)
def analyze_profiles(params: AnalyzeParams | None = None) -> dict[str, int]:
    written = write_profiles(params or AnalyzeParams())
    return written | deliver_profiles()
