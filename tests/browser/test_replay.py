"""Replay: after logout, reset, password change and disable, the old cookies and Bokeh tokens open nothing.

Each ending is tried on a fresh login made over real HTTP (the login form with its XSRF token). The old
session cookie, alone or with the page's Bokeh token, is then replayed on the page, its autoload.js, the
WebSocket upgrade and the signed-in account page; a try is accepted if it gets 200 or 101.
"""

from __future__ import annotations

import base64
import http.client
import os
import re
from collections.abc import Callable
from urllib.parse import urlparse

import httpx
import pytest
from sqlalchemy import select

from ai4d_core.adapters.sql.tables import MailMessage
from ai4d_core.bootstrap import Container
from ai4d_core.services import accounts

pytestmark = pytest.mark.browser
PASSWORD = "violet kettle drums at dawn"
NEW_PASSWORD = "seven quiet herons over the lake"
TOKEN_IN_PAGE = re.compile(r'"token"\s*:\s*"([A-Za-z0-9_.\-]+)"')
XSRF = re.compile(r'name="_xsrf" value="([^"]+)"')
AUTOLOAD = "/learner/autoload.js?bokeh-autoload-element=x&bokeh-app-path=/learner&bokeh-absolute-url=http://h/learner"
TRIES_PER_ENDING = 13


def _log_in(base: str, email: str, password: str) -> tuple[httpx.Client, str]:
    """A signed-in client and the Bokeh token of its learner page."""
    client = httpx.Client(base_url=base, follow_redirects=False)
    form = client.get("/login").text
    client.post("/login", data={"email": email, "password": password, "_xsrf": XSRF.findall(form)[0]})
    page = client.get("/learner")
    assert page.status_code == 200, "the fresh login must open the page"
    return client, TOKEN_IN_PAGE.findall(page.text)[0]


def _status(base: str, path: str, cookie: str, headers: dict[str, str] | None = None) -> int:
    conn = http.client.HTTPConnection(urlparse(base).netloc)
    conn.request("GET", path, headers={"Cookie": cookie, **(headers or {})})
    status = conn.getresponse().status
    conn.close()
    return status


def _upgrade(base: str, cookie: str, token: str) -> int:
    return _status(base, "/learner/ws", cookie, {
        "Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
        "Origin": f"http://{urlparse(base).netloc}", "Sec-WebSocket-Protocol": f"bokeh, {token}",
    })  # fmt: skip


def _replays(base: str, client: httpx.Client, token: str) -> list[tuple[str, int]]:
    cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    session_only = "; ".join(f"{n}={v}" for n, v in client.cookies.items() if n == "ai4d_session")
    tries = []
    for label, jar in (("all cookies", cookie), ("session cookie", session_only)):
        tries += [
            (f"{label}: /learner", _status(base, "/learner", jar)),
            (f"{label}: /learner/", _status(base, "/learner/", jar)),
            (f"{label}: autoload.js", _status(base, AUTOLOAD, jar)),
            (f"{label}: /account/password", _status(base, "/account/password", jar)),
            (f"{label}: ws with the page's token", _upgrade(base, jar, token)),
        ]
    tries += [(f"ws try {n}", _upgrade(base, cookie, token)) for n in range(TRIES_PER_ENDING - len(tries))]
    return tries


def _reset_link_token(c: Container, email: str) -> str:
    with c.engine.connect() as conn:
        body = conn.execute(
            select(MailMessage.text_body).where(MailMessage.to_address == email, MailMessage.template == "reset")
        ).scalar_one()
    return str(re.findall(r"/reset\?token=([\w-]+)", body)[0])


def test_cookies_and_tokens_are_refused_after_every_way_a_session_ends(clean: Container, dashboards_url: str) -> None:
    email = "ada@example.org"
    user_id = accounts.create_user(clean, email, "Ada", "learner", PASSWORD)
    password = PASSWORD
    endings: dict[str, Callable[[httpx.Client], None]] = {}

    def logout(client: httpx.Client) -> None:
        form = client.get("/logout").text
        client.post("/logout", data={"_xsrf": XSRF.findall(form)[0]})

    def reset(client: httpx.Client) -> None:
        accounts.request_password_reset(clean, email, source="127.0.0.1")
        accounts.reset_password(clean, _reset_link_token(clean, email), NEW_PASSWORD, source="127.0.0.1")

    def change(client: httpx.Client) -> None:
        accounts.change_password(clean, user_id, NEW_PASSWORD, PASSWORD, keep_session_token=None, source="cli")

    def disable(client: httpx.Client) -> None:
        accounts.disable_user(clean, user_id)

    endings.update(logout=logout, reset=reset, change=change, disable=disable)
    table: list[tuple[str, str, int]] = []
    for name, end in endings.items():
        client, token = _log_in(dashboards_url, email, password)
        live = "; ".join(f"{n}={v}" for n, v in client.cookies.items())
        assert _upgrade(dashboards_url, live, token) == 101, "before the ending, the same try is accepted"
        end(client)
        table += [(name, what, status) for what, status in _replays(dashboards_url, client, token)]
        client.close()
        password = {"reset": NEW_PASSWORD, "change": PASSWORD}.get(name, password)
    for name, what, status in table:
        print(f"{name:8} {what:45} {status}")
    accepted = [row for row in table if row[2] in (101, 200)]
    print(f"replay: {len(table)} tries after {len(endings)} endings, {len(accepted)} accepted")
    assert len(table) >= 50 and accepted == []
