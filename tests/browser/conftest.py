"""Browser fixtures: the dashboards served exactly as `ai4d up` serves them, and Debian's Chromium.

- `dashboards_url`: `panel serve` (argv and environment from `ai4d_cli.services`) on a free loopback port,
  pointed at the test services; its log is attached to failures.
- `chromium`: Playwright driving `/usr/bin/chromium` (browsers are never downloaded).
"""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from ai4d_cli import embedded
from ai4d_cli.services import panel_command, panel_env
from ai4d_core.settings import Settings

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-quic", "--no-first-run",
]  # fmt: skip


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url) as response:  # loopback only
            return int(response.status) == 200
    except (urllib.error.URLError, ConnectionError):
        return False


@pytest.fixture(scope="session")
def dashboards_url(settings: Settings, services_dir: Path) -> Iterator[str]:
    """The base URL of a `panel serve` process serving /learner and /educator with the auth module."""
    served = settings.model_copy(update={"panel_port": embedded.free_port()})
    env = panel_env(served)
    env.update(AI4D_ENV="test", AI4D_MONGO_DB=served.mongo_db, AI4D_VAR_DIR=str(served.var_dir))
    log_path = services_dir / "log" / "panel.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(panel_command(served), env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{served.panel_port}"
    try:
        while not _ready(f"{url}/login"):  # readiness, not a time limit: fail only if the server died
            if proc.poll() is not None:
                pytest.fail(f"panel serve exited with {proc.returncode}:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait()
        print(log_path.read_text()[-4000:])


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()
