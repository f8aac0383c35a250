"""Flow: rebuild the DuckDB warehouse from PostgreSQL into a new file and swap it in."""

from __future__ import annotations

from prefect import flow, task

from ai4d_core.bootstrap import bootstrap
from ai4d_core.services.warehouse import refresh_warehouse as refresh


@task(retries=1, retry_delay_seconds=10)
def rebuild_warehouse() -> dict[str, int]:
    with bootstrap() as c:
        report = refresh(c)
    print(report)
    return report.tables


@flow(name="refresh-warehouse", log_prints=True)
def refresh_warehouse() -> dict[str, int]:
    return rebuild_warehouse()
