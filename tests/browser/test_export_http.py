"""`/account/export` over HTTP on the served dashboards: the file for the signed-in user only, and only with
the token of their own session's page."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from ai4d_core.bootstrap import Container
from ai4d_core.services import accounts, audit
from dashboards.export_page import FIELD, PATH

pytestmark = pytest.mark.browser
PASSWORD = "violet kettle drums at dawn"
XSRF_FIELD = re.compile(r'name="_xsrf" value="([^"]+)"')
TOKEN_FIELD = re.compile(rf'name="{FIELD}" value="([0-9a-f]+)"')


@contextmanager
def _client(base: str, email: str | None = None) -> Iterator[httpx.Client]:
    """A browser without script: signed in as `email` through the login form, or anonymous."""
    with httpx.Client(base_url=base, follow_redirects=False) as client:
        if email is not None:
            xsrf = XSRF_FIELD.search(client.get("/login").text)
            assert xsrf, "the login form carries an XSRF token"
            form = {"email": email, "password": PASSWORD, "_xsrf": xsrf[1], "next": ""}
            assert client.post("/login", data=form).status_code == 302
        yield client


def _page_token(client: httpx.Client) -> str:
    offer = client.get(PATH)
    assert offer.status_code == 200 and "Download your data" in offer.text
    assert offer.headers["Cache-Control"] == "no-store"
    found = TOKEN_FIELD.search(offer.text)
    assert found, "the page has a download form"
    return found[1]


def test_a_signed_in_user_downloads_their_own_data_with_their_pages_token(bank: Container, dashboards_url: str) -> None:
    ada = accounts.create_user(bank, "ada.export@example.org", "Ada Export", "learner", PASSWORD)
    accounts.create_user(bank, "bob.export@example.org", "Bob Export", "learner", PASSWORD)
    before = len(audit.recent(bank, event="data_exported", limit=1000))
    with _client(dashboards_url, "ada.export@example.org") as client:
        answer = client.post(PATH, data={FIELD: _page_token(client)})
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"] == "application/json; charset=utf-8"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="ai4d-my-data.json"'
    assert answer.headers["Cache-Control"] == "no-store"
    document = answer.json()
    assert document["user_id"] == ada
    text = json.dumps(document)
    assert "ada.export@example.org" in text and "Ada Export" in text
    assert "bob.export@example.org" not in text and "$argon2" not in text, "nobody else's data, never a hash"
    exports = audit.recent(bank, event="data_exported", limit=1000)
    assert len(exports) == before + 1 and exports[0].target_id == ada


def test_no_file_without_the_token_of_the_users_own_session(bank: Container, dashboards_url: str) -> None:
    accounts.create_user(bank, "cy.export@example.org", "Cy Export", "learner", PASSWORD)
    accounts.create_user(bank, "di.export@example.org", "Di Export", "learner", PASSWORD)
    with _client(dashboards_url, "di.export@example.org") as other:
        others_token = _page_token(other)
    with _client(dashboards_url, "cy.export@example.org") as client:
        own = _page_token(client)
        for form in ({}, {FIELD: ""}, {FIELD: others_token}, {FIELD: own[:-1] + ("0" if own[-1] != "0" else "1")}):
            refused = client.post(PATH, data=form)
            assert refused.status_code == 403, form
            assert refused.headers["Content-Type"].startswith("text/html")
            assert "cy.export@example.org" not in refused.text and "earlier session" in refused.text
            assert TOKEN_FIELD.search(refused.text)[1] == own, "a fresh form, one click from the file"  # type: ignore[index]
        kept = httpx.Cookies(client.cookies)  # a copy of the browser's cookies from before the logout
        assert client.post("/logout", data={"_xsrf": client.cookies.get("_xsrf", "")}).status_code == 302
    with httpx.Client(base_url=dashboards_url, follow_redirects=False, cookies=kept) as replay:
        after_logout = replay.post(PATH, data={FIELD: own})
    assert after_logout.status_code == 302 and after_logout.headers["Location"] == f"/login?next={PATH}"


def test_anonymous_visitors_are_sent_to_the_login_and_back(dashboards_url: str) -> None:
    with _client(dashboards_url) as anonymous:
        for answer in (anonymous.get(PATH), anonymous.post(PATH, data={FIELD: "0" * 64})):
            assert answer.status_code == 302 and answer.headers["Location"] == f"/login?next={PATH}"
