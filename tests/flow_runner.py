"""A Prefect runner for tests: `analyze-profiles` served (`flow.serve`) in a child process against the session's
Prefect API, so `run_deployment` from the code under test is picked up and executed as `ai4d up`'s worker would.

Use inside the `prefect_api` fixture: the child gets that API's URL, the `AI4D_*` settings of the test services
and any extra environment (an LLM's URL). `served_analyze_profiles` yields once the deployment is registered.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ai4d_core.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DEPLOYMENT = "analyze-profiles/analyze-profiles"
_SERVE = (
    "from flows.analyze_profiles import analyze_profiles\n"
    "analyze_profiles.serve(name='analyze-profiles', print_starting_message=False)\n"
)


def service_environment(settings: Settings) -> dict[str, str]:
    """The `AI4D_*` variables that point a child process at the test services."""
    return {
        "AI4D_ENV": "test", "AI4D_VAR_DIR": str(settings.var_dir), "AI4D_DATABASE_URL": str(settings.database_url),
        "AI4D_MONGO_URL": str(settings.mongo_url), "AI4D_MONGO_DB": settings.mongo_db,
    }  # fmt: skip


def prefect_environment() -> dict[str, str]:
    """What a child needs to use the Prefect API of the current (test harness) settings."""
    from prefect.settings import get_current_settings

    return {
        "PREFECT_API_URL": str(get_current_settings().api.url),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",
    }


def _registered() -> bool:
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_deployment_by_name(DEPLOYMENT)
        except ObjectNotFound:
            return False
    return True


@contextmanager
def served_analyze_profiles(settings: Settings, log_path: Path, **env: str) -> Iterator[None]:
    """Serve `analyze-profiles` until the block ends; its output goes to `log_path` (printed at the end)."""
    child = dict(os.environ) | service_environment(settings) | prefect_environment() | env
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-c", _SERVE], cwd=ROOT, env=child, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        while not _registered():  # readiness, not a time limit: fail only if the runner died
            if proc.poll() is not None:
                pytest.fail(f"the analyze-profiles runner exited with {proc.returncode}:\n{log_path.read_text()}")
            time.sleep(0.5)
        yield
    finally:
        proc.terminate()
        proc.wait()
        print(log_path.read_text()[-4000:])
