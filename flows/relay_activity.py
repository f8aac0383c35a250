"""Flow: relay new learner facts from PostgreSQL to MongoDB `activity`, queuing opt-in "profile ready" e-mails."""

from __future__ import annotations

from prefect import flow, task

from ai4d_core.bootstrap import bootstrap
from ai4d_core.services.activity import RelayError, relay


@task(retries=3, retry_delay_seconds=[5, 30, 120])
def relay_events() -> dict[str, int]:
    """One core call; a failed source keeps its watermark, so a retry (or the next run) loses nothing."""
    with bootstrap() as c:
        report = relay(c)
    print(report)
    if report.failed:
        raise RelayError(str(report))
    return {"events": report.events, "notifications": report.notifications}


@flow(name="relay-activity", log_prints=True)
def relay_activity() -> dict[str, int]:
    return relay_events()
