"""Browser fixtures: the dashboards served exactly as `ai4d up` serves them, and Debian's Chromium.

- `dashboards_url`: `panel serve` (argv and environment from `ai4d_cli.services`) on a free loopback port,
  pointed at the test services; its log is attached to failures.
- `chromium`: Playwright driving `/usr/bin/chromium` (browsers are never downloaded). Every context it opens
  records each request of each page to a host other than the server, and every Content-Security-Policy
  violation in the console; any test that caused one fails (`_no_foreign_requests_or_csp_violations`).
- `log_in`: fill and post the login form.
"""

from __future__ import annotations

import re
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Dialog, Page, Request, expect, sync_playwright

from ai4d_cli import embedded
from ai4d_cli.services import panel_command, panel_env
from ai4d_core.settings import Settings

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-quic", "--no-first-run",
]  # fmt: skip

# Playwright's `expect` gives up after 5 s, which a page rendering on a loaded 2-core CI machine can take (the
# educator's cohort page did once). This is a ceiling for a page that never shows what it must, so that a real
# failure is reported instead of hanging the run, not a claim about speed (speed is measured in `bench/`).
WAIT_CEILING_MS = 300_000
expect.set_options(timeout=WAIT_CEILING_MS)


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url) as response:  # loopback only
            return int(response.status) == 200
    except (urllib.error.URLError, ConnectionError):
        return False


@contextmanager
def served_dashboards(settings: Settings, log_path: Path, **env_overrides: str) -> Iterator[str]:
    """Serve the dashboards as `ai4d up` does (`panel_command`, `panel_env`) on a free port; yield the base URL."""
    served = settings.model_copy(update={"panel_port": embedded.free_port()})
    env = panel_env(served)
    env.update(AI4D_ENV="test", AI4D_MONGO_DB=served.mongo_db, AI4D_VAR_DIR=str(served.var_dir), **env_overrides)
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


PANEL_LOG_KEY = pytest.StashKey[tuple[Path, int]]()
LOG_SECTION_CHARS = 20_000


@pytest.fixture(scope="session")
def dashboards_url(settings: Settings, services_dir: Path) -> Iterator[str]:
    """The base URL of the served learner, educator and admin apps and the account pages."""
    with served_dashboards(settings, services_dir / "log" / "panel.log") as url:
        yield url


@pytest.fixture(autouse=True)
def _server_log_of_this_test(request: pytest.FixtureRequest) -> None:
    """Marks where the served dashboards' log stood when a test that uses them began (see the hook below)."""
    if "dashboards_url" in request.fixturenames:
        log = request.getfixturevalue("services_dir") / "log" / "panel.log"
        request.node.stash[PANEL_LOG_KEY] = (log, log.stat().st_size if log.exists() else 0)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failed test's report carries what the server logged while it ran (its errors and Bokeh's warnings)."""
    report = yield
    marked = item.stash.get(PANEL_LOG_KEY, None)
    if report.failed and marked is not None and marked[0].exists():
        log, start = marked
        with log.open("rb") as handle:
            handle.seek(start)
            text = handle.read().decode("utf-8", "replace")
        report.sections.append(("panel.log while the test ran", text[-LOG_SECTION_CHARS:] or "(nothing)"))
    return report


class PageWatch:
    """What the browser did that it must not: requests to other hosts and CSP violations (for every page)."""

    def __init__(self) -> None:
        self.allowed_hosts: set[str] = set()
        self.requests: list[str] = []
        self.foreign: list[str] = []
        self.csp_violations: list[str] = []

    def on_request(self, request: Request) -> None:
        self.requests.append(request.url)
        parsed = urlparse(request.url)
        if parsed.scheme in ("data", "blob", "about"):
            return
        if parsed.netloc not in self.allowed_hosts:
            self.foreign.append(request.url)

    def on_console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.csp_violations.append(message.text)

    def watch(self, context: BrowserContext) -> None:
        context.on("request", self.on_request)
        context.on("page", lambda page: page.on("console", self.on_console))


@pytest.fixture(scope="session")
def page_watch(dashboards_url: str) -> PageWatch:
    watch = PageWatch()
    watch.allowed_hosts.add(urlparse(dashboards_url).netloc)
    return watch


@pytest.fixture(scope="module")
def chromium(page_watch: PageWatch) -> Iterator[Browser]:
    """Chromium for one test module, stopped after it. Playwright's sync API sets its event loop as the thread's
    running loop while it is started, so a session-wide one made the tests after the browser tests look async to
    libraries that check (Prefect's `run_deployment` returned coroutines). A launch takes about a second."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        new_context = browser.new_context

        def watched_context(**kwargs: Any) -> BrowserContext:
            context = new_context(**kwargs)
            context.set_default_timeout(WAIT_CEILING_MS)  # clicks and waits too, not only `expect`
            page_watch.watch(context)
            return context

        browser.new_context = watched_context  # type: ignore[method-assign]
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _no_foreign_requests_or_csp_violations(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fails a browser test during which any page asked another host for anything or broke the CSP."""
    if "chromium" not in request.fixturenames:
        yield
        return
    watch: PageWatch = request.getfixturevalue("page_watch")
    foreign, violations = len(watch.foreign), len(watch.csp_violations)
    yield
    assert watch.foreign[foreign:] == [], "requests to other hosts"
    assert watch.csp_violations[violations:] == [], "Content-Security-Policy violations"


LogIn = Callable[[Page, str, str, str, str], None]


@pytest.fixture(scope="session")
def log_in() -> LogIn:
    """`log_in(page, base, path, email, password)`: open `path`, get sent to the login form, log in."""

    def run(page: Page, base: str, path: str, email: str, password: str) -> None:
        page.goto(f"{base}{path}")
        expect(page).to_have_url(re.compile(r"/login"))
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()

    return run


@pytest.fixture
def flagged_page(chromium: Browser) -> Iterator[tuple[Page, list[str]]]:
    """A page that counts script executions (`window.__xss`, set by the payloads) and records dialogs."""
    context = chromium.new_context(viewport={"width": 1200, "height": 1000})
    dialogs: list[str] = []
    context.add_init_script("window.__xss = 0;")
    page = context.new_page()

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    yield page, dialogs
    context.close()
