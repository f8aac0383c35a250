"""Flow: delete old login attempts, ended sessions, spent e-mail tokens and old sent mail (daily)."""

from __future__ import annotations

from datetime import UTC, datetime

from prefect import flow, task

from ai4d_core.bootstrap import bootstrap
from ai4d_core.services.maintenance import prune


@task(retries=1, retry_delay_seconds=30)
def prune_tables() -> dict[str, int]:
    with bootstrap() as c:
        deleted = prune(c, datetime.now(UTC))
    print(f"deleted {deleted}")
    return deleted


@flow(name="prune-security-tables", log_prints=True)
def prune_security_tables() -> dict[str, int]:
    return prune_tables()
