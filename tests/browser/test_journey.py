"""User journeys through the served dashboards in Debian's Chromium, on the real services and flows."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from ai4d_core import policy
from ai4d_core.bootstrap import Container
from ai4d_core.services import quiz_sessions
from ai4d_core.services.accounts import LOGIN_FAILED
from ai4d_core.services.demo import DEMO_ACCOUNTS, seed_demo
from ai4d_core.settings import Settings
from dashboards.profile_page import NO_PROFILE
from tests.browser.conftest import LogIn
from tests.browser.quiz_steps import answer_anything, submit

pytestmark = pytest.mark.browser
ACCOUNTS = {role: (email, password) for email, password, role in DEMO_ACCOUNTS}
LEARNER, EDUCATOR, ADMIN = ACCOUNTS["learner"], ACCOUNTS["educator"], ACCOUNTS["admin"]


def _answer_one_question(page: Page, c: Container, email: str) -> None:
    """Start a diagnostic over every topic, give some answer to the first question, submit it."""
    page.get_by_role("button", name="Start quiz").click()
    expect(page.locator(".ai4d-question")).to_be_visible()
    user = c.users.by_email(email)
    assert user is not None
    turn = quiz_sessions.resume(c, policy.Viewer(user.id, "learner"))
    assert turn is not None
    answer_anything(page, turn.question["type"])
    submit(page)
    expect(page.locator(".ai4d-feedback")).to_contain_text("Explanation:")


def test_learner_quiz_profile_and_educator_aggregates(
    prefect_api: None, service_env: Settings, clean: Container, dashboards_url: str, chromium: Browser, log_in: LogIn
) -> None:
    from flows.analyze_profiles import analyze_profiles
    from flows.ingest_submissions import ingest_submissions
    from flows.refresh_warehouse import refresh_warehouse

    seed_demo(clean, learners=12)
    learner = chromium.new_context(viewport={"width": 1200, "height": 1000})
    page = learner.new_page()

    log_in(page, dashboards_url, "/learner", *LEARNER)
    expect(page).to_have_url(re.compile(r"/learner"))
    session = next(c for c in learner.cookies() if c["name"] == "ai4d_session")
    assert session["httpOnly"] and session["sameSite"] == "Lax" and session["expires"] == -1  # browser-session cookie
    _answer_one_question(page, clean, LEARNER[0])
    page.screenshot(path="/tmp/ai4d-learner-quiz.png", full_page=True)
    page.get_by_role("button", name="Profile", exact=True).click()
    expect(page.get_by_text(NO_PROFILE)).to_be_visible()

    ingest_submissions()
    analyze_profiles()
    refresh_warehouse()

    page.reload()
    page.get_by_role("button", name="Profile", exact=True).click()
    expect(page.get_by_text(re.compile(r"Overall level \d"))).to_be_visible()
    expect(page.get_by_text("Next steps")).to_be_visible()
    page.screenshot(path="/tmp/ai4d-learner-profile.png", full_page=True)

    response = page.goto(f"{dashboards_url}/educator")
    assert response is not None and response.status == 403

    old_cookies = learner.cookies()
    page.goto(f"{dashboards_url}/learner")
    page.get_by_role("link", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/logout"))
    page.goto(f"{dashboards_url}/learner")  # a GET of /logout alone (a link from anywhere) logs nobody out
    expect(page.locator(".ai4d-question").first).to_be_visible()
    page.get_by_role("link", name="Log out").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login"))
    replay = chromium.new_context()
    replay.add_cookies(old_cookies)  # type: ignore[arg-type]
    replayed = replay.new_page()
    replayed.goto(f"{dashboards_url}/learner")
    expect(replayed).to_have_url(re.compile(r"/login"))
    replay.close()
    learner.close()

    educator = chromium.new_context(viewport={"width": 1200, "height": 1000})
    page = educator.new_page()
    log_in(page, dashboards_url, "/educator", *EDUCATOR)
    expect(page).to_have_url(re.compile(r"/educator"))
    expect(page.get_by_text("Demo cohort").first).to_be_visible()
    expect(page.get_by_text("python", exact=True).first).to_be_visible()
    page.screenshot(path="/tmp/ai4d-educator.png", full_page=True)
    educator.close()

    admin = chromium.new_context(viewport={"width": 1200, "height": 1000})
    page = admin.new_page()
    log_in(page, dashboards_url, "/admin", *ADMIN)
    expect(page).to_have_url(re.compile(r"/admin"))
    expect(page.get_by_text(LEARNER[0]).first).to_be_visible()  # the demo learners, in the user list
    page.locator(".bk-tab", has_text="Audit log").click()
    expect(page.get_by_text("login_succeeded").first).to_be_visible()  # this journey's logins, audited
    page.screenshot(path="/tmp/ai4d-admin.png", full_page=True)
    admin.close()


def test_a_wrong_password_or_unknown_user_gets_the_same_generic_error(
    clean: Container, dashboards_url: str, chromium: Browser, log_in: LogIn
) -> None:
    seed_demo(clean, learners=1)
    context = chromium.new_context()
    page = context.new_page()
    for email in (LEARNER[0], "nobody@example.org"):
        log_in(page, dashboards_url, "/learner", email, "not the right passphrase at all")
        expect(page.get_by_role("alert")).to_have_text(LOGIN_FAILED)
        expect(page).to_have_url(re.compile(r"/login"))
    page.screenshot(path="/tmp/ai4d-login.png")
    context.close()


def test_a_login_post_without_the_form_token_is_refused(clean: Container, dashboards_url: str) -> None:
    """Login CSRF: a cross-site form cannot log the victim into an attacker's account."""
    import urllib.error
    import urllib.parse
    import urllib.request

    seed_demo(clean, learners=1)
    body = urllib.parse.urlencode({"email": LEARNER[0], "password": LEARNER[1]}).encode()
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{dashboards_url}/login", data=body)
    assert refused.value.code == 403
