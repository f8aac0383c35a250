"""axe-core (WCAG 2.2 A/AA and best practices) finds no serious or critical violation on the learner's pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from ai4d_core.bootstrap import Container
from ai4d_core.services import accounts
from tests.browser.axe import axe_violations, blocking
from tests.browser.conftest import LogIn

pytestmark = pytest.mark.browser
PASSWORD = "violet kettle drums at dawn"


def _open(page: Page, section: str) -> None:
    page.get_by_role("button", name=section, exact=True).click()
    expect(page.get_by_role("heading", name=section, exact=True, level=2)).to_be_visible(timeout=0)


def test_the_learner_pages_have_no_serious_or_critical_axe_violation(
    bank: Container, dashboards_url: str, chromium: Browser, log_in: LogIn
) -> None:
    accounts.create_user(bank, "ada@example.org", "Ada Lovelace", "learner", PASSWORD)
    context = chromium.new_context(bypass_csp=True)  # axe is injected as an inline script: this context only
    page = context.new_page()
    log_in(page, dashboards_url, "/learner", "ada@example.org", PASSWORD)
    expect(page).to_have_url(re.compile("/learner"))
    found: dict[str, list[str]] = {}
    checked = 0
    for section in ("Quiz", "Profile", "Cohorts", "Your data"):
        _open(page, section)
        violations = axe_violations(page)
        checked += 1
        found[section] = blocking(violations)
        print(section, [(v["id"], v["impact"], len(v["nodes"])) for v in violations])
    print(f"axe checked {checked} pages")
    assert checked == 4
    assert found == {section: [] for section in found}, "\n".join(line for lines in found.values() for line in lines)
    context.close()
