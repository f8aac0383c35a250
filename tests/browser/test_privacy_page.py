"""A learner downloads their data and deletes their account from their own page, in Chromium."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Browser, expect

from ai4d_core.bootstrap import Container
from ai4d_core.services import accounts
from dashboards.privacy_views import GOODBYE
from tests.browser.conftest import LogIn

pytestmark = pytest.mark.browser
PASSWORD = "violet kettle drums at dawn"


def test_a_learner_downloads_their_data_then_deletes_their_account(
    bank: Container, dashboards_url: str, chromium: Browser, log_in: LogIn
) -> None:
    email = "ada@example.org"
    user_id = accounts.create_user(bank, email, "Ada Lovelace", "learner", PASSWORD)
    context = chromium.new_context(accept_downloads=True)
    page = context.new_page()
    log_in(page, dashboards_url, "/learner", email, PASSWORD)
    page.get_by_role("button", name="Your data", exact=True).click()

    with page.expect_download() as info:
        page.get_by_role("button", name=re.compile("Download my data")).click()
    path = info.value.path()
    document = json.loads(path.read_text(encoding="utf-8"))
    assert email in json.dumps(document) and "Ada Lovelace" in json.dumps(document)
    assert "$argon2" not in json.dumps(document), "never the password hash"

    page.get_by_label(re.compile("To delete your account")).fill("not my address")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text(re.compile("nothing was deleted")).first).to_be_visible()
    assert bank.users.get(user_id) is not None, "a wrong confirmation deletes nothing"

    page.get_by_label(re.compile("To delete your account")).fill(email.upper())
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text(GOODBYE).first).to_be_visible()  # erasure rebuilds the warehouse: no limit
    assert bank.users.get(user_id) is None and bank.users.by_email(email) is None
    page.goto(f"{dashboards_url}/learner")
    expect(page).to_have_url(re.compile("/login"))
    context.close()
