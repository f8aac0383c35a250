"""Every app path, its autoload.js and its WebSocket are authorized alike; pages whose session ends say so."""

from __future__ import annotations

import base64
import http.client
import os
import re
from collections.abc import Callable
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, WebSocket, expect

from ai4d_core.bootstrap import Container
from ai4d_core.services import accounts
from dashboards.common import SESSION_ENDED

pytestmark = pytest.mark.browser
PASSWORD = "violet kettle drums at dawn"
TOKEN_IN_PAGE = re.compile(r'"token"\s*:\s*"([A-Za-z0-9_.\-]+)"')
AUTOLOAD = "{app}/autoload.js?bokeh-autoload-element=x&bokeh-app-path={app}&bokeh-absolute-url=http://h{app}"


def _request(base: str, path: str, cookie: str = "", headers: dict[str, str] | None = None) -> tuple[int, str]:
    """Status and Location of one GET (no redirect followed)."""
    netloc = urlparse(base).netloc
    conn = http.client.HTTPConnection(netloc)
    conn.request("GET", path, headers={"Cookie": cookie, **(headers or {})} if cookie else dict(headers or {}))
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status, response.getheader("Location") or ""


def _upgrade(base: str, app: str, cookie: str, token: str = "x") -> int:
    """The status of a WebSocket upgrade of `app`/ws (101 when accepted)."""
    netloc = urlparse(base).netloc
    return _request(base, f"{app}/ws", cookie, {
        "Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(), "Origin": f"http://{netloc}",
        "Sec-WebSocket-Protocol": f"bokeh, {token}",
    })[0]  # fmt: skip


def _signed_in(
    chromium: Browser, base: str, log_in: Callable[..., None], email: str
) -> tuple[BrowserContext, Page, str]:
    context = chromium.new_context()
    page = context.new_page()
    log_in(page, base, "/learner", email, PASSWORD)
    expect(page).to_have_url(re.compile("/learner"))
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())
    return context, page, cookie


def test_a_learner_is_refused_every_educator_and_admin_path_and_anonymous_goes_to_login(
    bank: Container, dashboards_url: str, chromium: Browser, log_in: Callable[..., None]
) -> None:
    accounts.create_user(bank, "ada@example.org", "Ada", "learner", PASSWORD)
    context, page, cookie = _signed_in(chromium, dashboards_url, log_in, "ada@example.org")
    response = page.goto(f"{dashboards_url}/learner")
    assert response is not None
    token = TOKEN_IN_PAGE.findall(response.text())
    table: list[tuple[str, str, int]] = []
    for app in ("/educator", "/admin"):
        for path in (app, f"{app}/", AUTOLOAD.format(app=app)):
            status, _ = _request(dashboards_url, path, cookie)
            table.append(("learner", path, status))
        table.append(("learner", f"{app}/ws", _upgrade(dashboards_url, app, cookie, token[0])))
    for path in ("/learner", "/educator", "/admin", AUTOLOAD.format(app="/learner")):
        status, location = _request(dashboards_url, path)
        table.append(("anonymous", path, status))
        assert status == 302 and "/login" in location, path
    for app in ("/learner", "/educator"):
        table.append(("anonymous", f"{app}/ws", _upgrade(dashboards_url, app, "", token[0])))
    for who, path, status in table:
        print(f"{who:9} {path:80} {status}")
    assert all(status == 403 for who, _, status in table if who == "learner")
    assert all(status in (302, 403) for who, path, status in table if who == "anonymous" and path.endswith("/ws"))
    assert _upgrade(dashboards_url, "/learner", cookie, token[0]) == 101  # the owner's own socket opens
    context.close()


def test_a_websocket_must_come_from_the_login_that_opened_the_page(
    bank: Container, dashboards_url: str, chromium: Browser, log_in: Callable[..., None]
) -> None:
    for name in ("ada", "grace"):
        accounts.create_user(bank, f"{name}@example.org", name.title(), "learner", PASSWORD)
    ada, page, _ = _signed_in(chromium, dashboards_url, log_in, "ada@example.org")
    response = page.goto(f"{dashboards_url}/learner")
    assert response is not None
    ada_token = TOKEN_IN_PAGE.findall(response.text())[0]
    grace, _, grace_cookie = _signed_in(chromium, dashboards_url, log_in, "grace@example.org")
    assert _upgrade(dashboards_url, "/learner", grace_cookie, ada_token) == 403
    assert _upgrade(dashboards_url, "/learner", grace_cookie, "not.a.signed.token") == 403
    ada.close()
    grace.close()


def test_after_logout_an_open_page_stops_working_says_so_and_its_socket_closes(
    bank: Container, dashboards_url: str, chromium: Browser, log_in: Callable[..., None]
) -> None:
    accounts.create_user(bank, "ada@example.org", "Ada", "learner", PASSWORD)
    context = chromium.new_context()
    page = context.new_page()
    closed: list[str] = []

    def on_socket(ws: WebSocket) -> None:
        ws.on("close", lambda socket: closed.append(socket.url))

    page.on("websocket", on_socket)
    log_in(page, dashboards_url, "/learner", "ada@example.org", PASSWORD)
    expect(page.locator(".ai4d-quiz").first).to_be_visible()

    other = context.new_page()  # log out in another tab, as a learner would
    other.goto(f"{dashboards_url}/logout")
    other.get_by_role("button", name="Log out").click()
    expect(other).to_have_url(re.compile("/login"))

    expect(page.get_by_text(SESSION_ENDED)).to_be_visible()  # the periodic check: no time limit
    expect(page.locator(".ai4d-quiz")).to_have_count(0)
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    while not closed:  # the server closes the socket right after the message: wait for it, no time limit
        page.wait_for_timeout(100)
    assert closed and closed[0].endswith("/learner/ws")
    context.close()


@pytest.mark.parametrize(("role", "home"), [("educator", "educator"), ("admin", "educator")])
def test_an_educator_or_admin_at_the_learner_address_is_shown_their_own_dashboard(
    clean: Container, dashboards_url: str, chromium: Browser, log_in: Callable[..., None], role: str, home: str
) -> None:
    accounts.create_user(clean, f"{role}@example.org", role.title(), role, PASSWORD)
    context = chromium.new_context()
    page = context.new_page()
    log_in(page, dashboards_url, f"/{home}", f"{role}@example.org", PASSWORD)
    page.goto(f"{dashboards_url}/learner")
    expect(page.get_by_text("are for learners' accounts")).to_be_visible()
    expect(page.locator(".ai4d-question")).to_have_count(0)
    page.get_by_role("link", name=f"{home} dashboard").click()
    expect(page).to_have_url(re.compile(f"/{home}$"))
    context.close()
