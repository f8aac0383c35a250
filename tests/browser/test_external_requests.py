"""Pages load nothing from other hosts: every request of every page goes to the dashboards server.

The `chromium` fixture records each request of each page in every context (`PageWatch`); this test visits every
kind of page (login, the apps per role, logout, account pages, 403, 404, session ended) and fails on any request
to another host, a CDN or a web font included.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from ai4d_core.bootstrap import Container
from ai4d_core.services import accounts

pytestmark = pytest.mark.browser
PASSWORD = "violet kettle drums at dawn"
PAGES_BY_ROLE = {
    "learner": ["/learner", "/educator", "/admin", "/no/such/page"],
    "educator": ["/educator", "/learner"],
    "admin": ["/admin"],
}
PUBLIC_PAGES = ["/login", "/register", "/forgot", "/no/such/page", "/"]


def test_no_page_asks_another_host_for_anything(
    bank: Container, dashboards_url: str, chromium: Browser, log_in: Callable[..., None], page_watch: Any
) -> None:
    before = len(page_watch.requests)
    visited: list[tuple[str, str, int]] = []
    context = chromium.new_context()
    page = context.new_page()
    for path in PUBLIC_PAGES:
        response = page.goto(f"{dashboards_url}{path}")
        page.wait_for_load_state("networkidle")
        visited.append(("anonymous", path, response.status if response else 0))
    context.close()
    for role, paths in PAGES_BY_ROLE.items():
        accounts.create_user(bank, f"{role}@example.org", role.title(), role, PASSWORD)
        context = chromium.new_context()
        page = context.new_page()
        log_in(page, dashboards_url, paths[0], f"{role}@example.org", PASSWORD)
        expect(page).to_have_url(re.compile(paths[0]))
        for path in [*paths, "/logout"]:
            response = page.goto(f"{dashboards_url}{path}")
            page.wait_for_load_state("networkidle")
            visited.append((role, path, response.status if response else 0))
        page.goto(f"{dashboards_url}{paths[0]}")
        expect(page.locator(".bk-panel-models-layout-Column").first).to_be_attached()
        page.goto(f"{dashboards_url}/logout")
        page.get_by_role("button", name="Log out").click()
        expect(page).to_have_url(re.compile("/login"))
        page.wait_for_load_state("networkidle")
        visited.append((role, "logout, then /login", 200))
        context.close()
    checked = page_watch.requests[before:]
    for who, path, status in visited:
        print(f"{who:9} {status} {path}")
    print(f"{len(checked)} requests from {len(visited)} page visits, all to {sorted(page_watch.allowed_hosts)}")
    assert checked and page_watch.foreign == []
