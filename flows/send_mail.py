"""Flow: send the due messages of the mail outbox (the only place AI4D talks to SMTP)."""

from __future__ import annotations

from prefect import flow, task

from ai4d_core.bootstrap import bootstrap
from ai4d_core.services.mail import send_due


@task
def send_due_mail() -> dict[str, int]:
    """One core call; no task retries: every failure is recorded on its message and retried with backoff."""
    with bootstrap() as c:
        report = send_due(c)
    print(report)
    return {"sent": report.sent, "retrying": report.retrying, "failed": report.failed}


@flow(name="send-mail", log_prints=True)
def send_mail() -> dict[str, int]:
    return send_due_mail()
