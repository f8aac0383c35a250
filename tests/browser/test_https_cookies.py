"""Served behind https (AI4D_PUBLIC_URL), the session and device cookies carry the `__Host-` prefix and Secure."""

from __future__ import annotations

import re
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path

import httpx
import pytest

from ai4d_core.bootstrap import Container
from ai4d_core.services import accounts
from ai4d_core.settings import Settings
from tests.browser.conftest import served_dashboards

pytestmark = pytest.mark.browser
PASSWORD = "violet kettle drums at dawn"
XSRF = re.compile(r'name="_xsrf" value="([^"]+)"')


@pytest.fixture(scope="module")
def https_dashboards_url(settings: Settings, services_dir: Path) -> Iterator[str]:
    """The dashboards as served behind a TLS proxy whose public URL is https."""
    log_path = services_dir / "log" / "panel-https.log"
    with served_dashboards(settings, log_path, AI4D_PUBLIC_URL="https://learn.example.org") as url:
        yield url


def _set_cookies(response: httpx.Response) -> dict[str, dict[str, str | bool]]:
    found: dict[str, dict[str, str | bool]] = {}
    for header in response.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        for name, morsel in jar.items():
            found[name] = {key: morsel[key] for key in ("path", "domain", "secure", "httponly", "samesite")}
            found[name]["value"] = morsel.value
    return found


def test_under_https_the_cookies_are_host_prefixed_secure_and_httponly(
    clean: Container, https_dashboards_url: str
) -> None:
    accounts.create_user(clean, "ada@example.org", "Ada", "learner", PASSWORD)
    with httpx.Client(base_url=https_dashboards_url) as client:
        form = client.get("/login").text
        data = {"email": "ada@example.org", "password": PASSWORD, "_xsrf": XSRF.findall(form)[0]}
        cookies = _set_cookies(client.post("/login", data=data))
    print(cookies)
    session = cookies["__Host-ai4d_session"]
    assert session["secure"] and session["httponly"] and session["path"] == "/" and not session["domain"]
    assert str(session["samesite"]).lower() == "lax"
    assert "ai4d_session" not in cookies, "no unprefixed session cookie under https"
    assert all(cookies[name]["value"] in ("", '""') for name in ("user", "id_token") if name in cookies), (
        "Panel's user and id_token cookies are only ever cleared"
    )
    device = cookies["__Host-ai4d_device"]
    assert device["secure"] and device["httponly"] and device["path"] == "/"
