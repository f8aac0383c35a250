"""The page never holds the session: served HTML, the Bokeh session token and `document.cookie` of every app."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from bokeh.util.token import check_token_signature, get_session_id, get_token_payload
from playwright.sync_api import Browser, expect
from tornado.web import decode_signed_value

from ai4d_cli.services import bokeh_secret_key
from ai4d_core.bootstrap import Container
from ai4d_core.services import accounts
from ai4d_core.settings import Settings
from dashboards.page_session import SESSION_COOKIE

pytestmark = pytest.mark.browser
PASSWORD = "violet kettle drums at dawn"
APPS = {"learner": "/learner", "educator": "/educator", "admin": "/admin"}
TOKEN_IN_PAGE = re.compile(r'"token"\s*:\s*"([A-Za-z0-9_.\-]+)"')


def _apps() -> dict[str, str]:
    """Every app that exists (the admin app joins when its file does)."""
    here = Path(__file__).resolve().parents[2] / "dashboards"
    return {role: path for role, path in APPS.items() if (here / f"{path.strip('/')}.py").exists()}


@pytest.mark.parametrize("role", list(_apps()))
def test_no_session_secret_in_the_html_the_bokeh_token_or_document_cookie(
    role: str, clean: Container, settings: Settings, dashboards_url: str, chromium: Browser, log_in: Callable[..., None]
) -> None:
    from ai4d_core.item_bank import load_demo_items

    clean.items.upsert(load_demo_items())
    email = f"{role}@example.org"
    accounts.create_user(clean, email, role.title(), role, PASSWORD)
    context = chromium.new_context()
    page = context.new_page()
    path = _apps()[role]
    log_in(page, dashboards_url, path, email, PASSWORD)
    expect(page).to_have_url(re.compile(path))

    response = page.goto(f"{dashboards_url}{path}")
    assert response is not None and response.status == 200
    served = response.text()
    tokens = TOKEN_IN_PAGE.findall(served)
    assert tokens, "the page embeds a Bokeh session token"
    payloads = [get_token_payload(token) for token in tokens]
    shown = served + json.dumps(payloads)
    document_cookie = str(page.evaluate("document.cookie"))

    cookies = {c["name"]: c["value"].strip('"') for c in context.cookies()}
    secret = settings.cookie_secret.get_secret_value()
    signed = cookies[SESSION_COOKIE]
    raw = decode_signed_value(secret, SESSION_COOKIE, signed)
    assert raw is not None
    forbidden = {f"cookie {name}": value for name, value in cookies.items() if len(value) >= 8}
    forbidden.update(
        session_token=raw.decode(),
        cookie_secret=secret,
        bokeh_secret=bokeh_secret_key(secret),
    )
    found = [what for what, value in forbidden.items() if value in shown]
    assert found == [], f"in the served HTML or the Bokeh token: {found}"
    for payload in payloads:
        assert payload["cookies"] == {}
        assert {name.lower() for name in payload["headers"]} <= {"host", "user-agent", "accept-language"}
    in_script = [
        what for what in ("session_token", "cookie_secret", "bokeh_secret") if forbidden[what] in document_cookie
    ]
    assert SESSION_COOKIE not in document_cookie and signed not in document_cookie and in_script == []
    for token in tokens:  # signed session ids and tokens
        bokeh_key = bokeh_secret_key(secret).encode()
        assert check_token_signature(token, secret_key=bokeh_key, signed=True)
        assert not check_token_signature(token, secret_key=b"x" * 32, signed=True)
        assert "." in get_session_id(token)
    print(f"{path}: {len(tokens)} token(s), {len(forbidden)} secrets checked; document.cookie names:",
          [part.split("=")[0].strip() for part in document_cookie.split(";") if part])  # fmt: skip
    context.close()
