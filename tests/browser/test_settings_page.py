"""A learner's Settings in Chromium: the browser's time zone is offered and saved, a zone is searched, opt-ins
and a new pseudonym are saved on the server."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from ai4d_core.bootstrap import Container
from ai4d_core.services import accounts, learner_settings
from dashboards.settings_page import SAVED
from tests.browser.conftest import LogIn

pytestmark = pytest.mark.browser
PASSWORD = "violet kettle drums at dawn"


def test_a_learner_takes_the_browsers_time_zone_then_searches_one_and_opts_in(
    bank: Container, dashboards_url: str, chromium: Browser, log_in: LogIn
) -> None:
    email = "ada@example.org"
    user_id = accounts.create_user(bank, email, "Ada Lovelace", "learner", PASSWORD)
    context = chromium.new_context(timezone_id="Europe/Lisbon")
    page = context.new_page()
    log_in(page, dashboards_url, "/learner", email, PASSWORD)
    page.get_by_role("button", name="Settings", exact=True).click()
    pseudonym = learner_settings.get(bank, user_id).pseudonym
    expect(page.get_by_text(pseudonym).first).to_be_visible()

    page.get_by_role("button", name="Use my browser's time zone (Europe/Lisbon)").click()
    expect(page.get_by_text("Your time zone is now Europe/Lisbon.").first).to_be_visible()
    assert learner_settings.get(bank, user_id).time_zone == "Europe/Lisbon"

    zone = page.get_by_label("Time zone")
    zone.fill("")
    zone.press_sequentially("Sao_Pau")
    page.get_by_text("America/Sao_Paulo", exact=True).first.click()
    page.get_by_role("button", name=re.compile("E-mail me when a new profile is ready")).click()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text(SAVED).first).to_be_visible()
    saved = learner_settings.get(bank, user_id)
    assert (saved.time_zone, saved.notify_profile_ready, saved.leaderboard_opt_in) == (
        "America/Sao_Paulo", True, False,
    )  # fmt: skip

    page.get_by_role("button", name="Give me a new pseudonym").click()
    expect(page.get_by_text(re.compile("Your new pseudonym is")).first).to_be_visible()
    assert learner_settings.get(bank, user_id).pseudonym != pseudonym
    context.close()
