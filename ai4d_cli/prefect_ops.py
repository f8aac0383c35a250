"""Prefect chores of the CLI: health, work pool and deployments (by the `prefect` CLI), flow runs.

Only `trigger_deployments` and `run_flows` import prefect, and they set PREFECT_API_URL (and the embedded API's
auth string) first. The health endpoint is the one path the Prefect API answers without the auth string.
"""

from __future__ import annotations

import importlib
import os
import urllib.request
from collections.abc import Callable, Sequence
from typing import Any

from ai4d_cli.services import FLOW_NAMES, PROJECT_DIR, WORK_POOL, VarLayout, child_env, prefect_client_env, venv_script
from ai4d_cli.supervisor import Supervisor
from ai4d_core.settings import Settings

FLOW_ENTRYPOINTS = {name: f"flows.{name.replace('-', '_')}:{name.replace('-', '_')}" for name in FLOW_NAMES}


def health_url(settings: Settings) -> str:
    return settings.effective_prefect_api_url.rstrip("/") + "/health"


def prefect_healthy(settings: Settings, timeout: float = 2.0) -> bool:
    """The Prefect API answers its health endpoint."""
    url = health_url(settings)
    if not url.startswith(("http://", "https://")):
        return False
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - scheme checked above
            return int(response.status) == 200
    except OSError:
        return False


def ensure_work_pool(sup: Supervisor, settings: Settings) -> None:
    """Create the `ai4d-local` process pool unless it exists (a pool someone configured is left as is)."""
    layout = VarLayout.of(settings)
    log_path = layout.log("prefect-setup")
    start = log_path.stat().st_size if log_path.exists() else 0
    argv = [venv_script("prefect"), "work-pool", "create", WORK_POOL, "--type", "process"]
    try:
        sup.run_step("prefect work-pool create", argv, child_env(settings), log_path, timeout=120)
    except RuntimeError:
        with log_path.open("rb") as out:
            out.seek(start)
            if b"already exists" not in out.read():
                raise


def deploy_all(sup: Supervisor, settings: Settings) -> None:
    """Register the deployments of `prefect.yaml` (runs in the project folder)."""
    argv = [venv_script("prefect"), "--no-prompt", "deploy", "--all"]
    env = child_env(settings)
    log_path = VarLayout.of(settings).log("prefect-setup")
    sup.run_step("prefect deploy --all", argv, env, log_path, timeout=300, cwd=PROJECT_DIR)


def point_prefect_at(settings: Settings) -> None:
    os.environ["PREFECT_API_URL"] = settings.effective_prefect_api_url
    os.environ.update(prefect_client_env(settings))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def selected(name: str) -> list[str]:
    if name == "all":
        return list(FLOW_NAMES)
    if name not in FLOW_NAMES:
        raise ValueError(f"unknown flow {name!r}: choose one of {', '.join((*FLOW_NAMES, 'all'))}")
    return [name]


def load_flow(name: str) -> Callable[[], Any]:
    module_name, _, attr = FLOW_ENTRYPOINTS[name].partition(":")
    flow: Callable[[], Any] = getattr(importlib.import_module(module_name), attr)
    return flow


def run_flows(settings: Settings, names: Sequence[str], echo: Callable[[str], None]) -> None:
    """Run the flow functions in this process, in order, against the configured Prefect API."""
    point_prefect_at(settings)
    for name in names:
        echo(f"running {name} ...")
        result = load_flow(name)()
        echo(f"{name}: {result}")


def trigger_deployments(
    settings: Settings, names: Sequence[str], echo: Callable[[str], None], timeout: float = 600
) -> bool:
    """Run the deployments on the worker one after the other, waiting for each; True when all completed."""
    point_prefect_at(settings)
    from prefect.deployments import run_deployment

    ok = True
    for name in names:
        flow_run: Any = run_deployment(f"{name}/{name}", timeout=timeout, poll_interval=1)
        state = flow_run.state
        echo(f"{name}: {state.name if state else 'unknown'}")
        ok = ok and state is not None and bool(state.is_completed())
    return ok


__all__ = [
    "FLOW_ENTRYPOINTS",
    "deploy_all",
    "ensure_work_pool",
    "health_url",
    "load_flow",
    "prefect_healthy",
    "run_flows",
    "selected",
    "trigger_deployments",
]
