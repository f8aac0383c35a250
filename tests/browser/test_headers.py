"""Security headers on every response of the dashboards server: pages, static files, autoload.js, errors."""

from __future__ import annotations

import base64
import http.client
import os
import re
from collections.abc import Callable
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, expect

from ai4d_core.bootstrap import Container
from ai4d_core.services import accounts

pytestmark = pytest.mark.browser
PASSWORD = "violet kettle drums at dawn"
SCRIPT_OR_LINK = re.compile(r'(?:src|href)="\.?/?(static/[^"]+)"')
TOKEN_IN_PAGE = re.compile(r'"token"\s*:\s*"([A-Za-z0-9_.\-]+)"')


def _get(base: str, path: str, cookie: str, extra: dict[str, str] | None = None) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection(urlparse(base).netloc)
    conn.request("GET", path, headers={"Cookie": cookie, **(extra or {})})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def _bad(response: http.client.HTTPResponse) -> list[str]:
    """What is missing or wrong in a response's security headers."""
    csp = response.getheader("Content-Security-Policy") or ""
    problems = []
    if "frame-ancestors 'none'" not in csp or "default-src 'none'" not in csp:
        problems.append(f"CSP {csp!r}")
    if response.getheader("X-Content-Type-Options") != "nosniff":
        problems.append("nosniff")
    if response.getheader("Referrer-Policy") not in ("no-referrer", "same-origin"):
        problems.append("Referrer-Policy")
    return problems


def test_every_response_carries_the_security_headers(
    bank: Container, dashboards_url: str, chromium: Browser, log_in: Callable[..., None]
) -> None:
    accounts.create_user(bank, "ada@example.org", "Ada", "learner", PASSWORD)
    context = chromium.new_context()
    page = context.new_page()
    log_in(page, dashboards_url, "/learner", "ada@example.org", PASSWORD)
    expect(page).to_have_url(re.compile("/learner"))
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())
    html = _get(dashboards_url, "/learner", cookie)
    served = page.goto(f"{dashboards_url}/learner")
    assert served is not None
    page_html = served.text()
    token = TOKEN_IN_PAGE.findall(page_html)[0]
    resources = sorted({f"/{path}" for path in SCRIPT_OR_LINK.findall(page_html)})
    paths = [
        "/learner", "/educator", "/login", "/logout", "/account/export", "/no/such/page", "/favicon.ico",
        "/learner/autoload.js?bokeh-autoload-element=x&bokeh-app-path=/learner&bokeh-absolute-url=" + dashboards_url,
        *resources,
    ]  # fmt: skip
    ws = {
        "Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(), "Origin": dashboards_url,
        "Sec-WebSocket-Protocol": f"bokeh, {token}",
    }  # fmt: skip
    responses = [(path, _get(dashboards_url, path, cookie)) for path in paths]
    responses += [(f"anonymous {path}", _get(dashboards_url, path, "")) for path in ("/learner", "/login")]
    responses += [("/educator/ws", _get(dashboards_url, "/educator/ws", cookie, ws))]
    statuses = {status for _, r in responses for status in [r.status]}
    for path, response in responses:
        print(f"{response.status} {path[:100]}")
    assert html.status == 200 and resources and {200, 302, 403, 404} <= statuses
    assert [(path, _bad(r)) for path, r in responses if _bad(r)] == []
    context.close()
