"""The issue's journey in Chromium, on the real services, flows, a Prefect runner and the test LLM: a learner
finishes a diagnostic (XP, a badge and the streak show; the open response says "awaiting review"); after
`analyze-profiles` the profile page shows every section, by itself, with evidence and times in the learner's
zone; the educator grades the open response in the queue and the learner's score and XP follow; the educator
re-runs the fallback profile with the LLM and the learner's page shows the new version by itself; a next step
opens a practice quiz. And a full profile fits a phone's screen."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Page, expect

from ai4d_core import policy
from ai4d_core.bootstrap import Container
from ai4d_core.domain.items import Item, OpenResponseItem, SingleChoiceItem
from ai4d_core.item_bank import load_curated_bank
from ai4d_core.services import accounts, cohorts, learner_settings, quiz_sessions
from ai4d_core.settings import Settings
from dashboards.profile_page import NO_PROFILE
from tests.browser.conftest import LogIn, PageWatch, served_dashboards
from tests.browser.quiz_steps import next_question, submit
from tests.browser.test_quiz_journey import right
from tests.data.adversarial_profile_replies import target
from tests.flow_runner import prefect_environment, served_analyze_profiles
from tests.llm_server import FakeLlm

pytestmark = pytest.mark.browser
PASSWORD = "violet kettle drums at dawn"
LEARNER, EDUCATOR = "journey@example.org", "teacher@example.org"
SECTIONS = ("Topics", "Strengths", "Weaknesses", "Misconceptions", "Learning path", "Timeline", "Next steps",
            "Ability over time")  # fmt: skip
ESSAY = "Index the join columns and check the plan with EXPLAIN ANALYZE before and after the change."


def _bank(c: Container) -> OpenResponseItem:
    """Eight NLP choice questions (distractors tagged with the misconception they reveal) and one open response on
    a topic of its own: the diagnostic asks all nine."""
    bank = load_curated_bank()
    choices = [i for i in bank if i.topic == "nlp_llms" and _tagged_distractor(i)][:8]
    essay = next(i for i in bank if isinstance(i, OpenResponseItem))
    c.items.upsert([*choices, essay])
    return essay


def _status(page: Page) -> str:
    """The header's level, XP and streak line."""
    return page.get_by_text(re.compile(r"\d+ XP · Streak")).first.inner_text()


def _xp(page: Page) -> int:
    found = re.search(r"(\d+) XP", _status(page))
    assert found, _status(page)
    return int(found.group(1))


def _tagged_distractor(item: Item) -> str | None:
    """The text of a wrong option tagged with the misconception it reveals, if the item has one."""
    if not isinstance(item, SingleChoiceItem):
        return None
    return next((o.text.replace("`", "") for o in item.options if o.misconception and o.id != item.key), None)


def _finish_diagnostic(page: Page, c: Container, learner: policy.Principal, essay: OpenResponseItem) -> list[str]:
    """Answer every question (choices right, the open response with a sentence); the notices seen."""
    page.get_by_role("button", name="Start quiz").click()
    notices: list[str] = []
    mistakes: list[str] = []
    while True:
        expect(page.locator(".ai4d-question")).to_be_visible()
        turn = quiz_sessions.resume(c, learner)
        assert turn is not None
        item = c.items.get(turn.question["id"], turn.question["version"])
        assert item is not None
        question = page.locator(".ai4d-question")
        if item.id == essay.id:
            question.locator("textarea").first.fill(ESSAY)
        elif len(mistakes) < 2 and (tagged := _tagged_distractor(item)):  # a mistake that reveals a misconception
            mistakes.append(item.id)
            question.get_by_label(tagged, exact=True).check()
        else:
            question.get_by_label(right(item), exact=True).check()
        submit(page)
        feedback = page.locator(".ai4d-feedback")
        if item.id == essay.id:
            expect(feedback).to_contain_text("Awaiting review")
        notices += page.get_by_role("status").filter(has_text="Badge earned").all_inner_texts()
        done = page.get_by_role("button", name="See your results")
        if done.count() and done.is_visible():
            done.click()
            return notices
        next_question(page)


def test_the_learner_profile_journey(
    prefect_api: None, service_env: Settings, clean: Container, chromium: Browser, page_watch: PageWatch,
    log_in: LogIn, tmp_path: Path,
) -> None:  # fmt: skip
    from flows.analyze_profiles import analyze_profiles
    from flows.ingest_submissions import ingest_submissions

    essay = _bank(clean)
    uid = accounts.create_user(clean, LEARNER, "Journey Learner", "learner", PASSWORD)
    tid = accounts.create_user(clean, EDUCATOR, "Journey Teacher", "educator", PASSWORD)
    cohort = cohorts.create_cohort(clean, policy.CLI, "Journey cohort")
    cohorts.add_member(clean, policy.CLI, cohort, uid)
    cohorts.add_educator(clean, policy.CLI, cohort, tid)
    learner = policy.Viewer(uid, "learner")
    learner_settings.update(clean, learner, time_zone="Asia/Tokyo")
    checked: list[str] = []

    llm_env = {"AI4D_LLM_BASE_URL": "", "AI4D_LLM_MODEL": "fake-profile-model"}
    with FakeLlm() as llm:
        llm_env["AI4D_LLM_BASE_URL"] = llm.url
        with (
            served_analyze_profiles(service_env, tmp_path / "runner.log", **llm_env),
            served_dashboards(service_env, tmp_path / "panel.log", **prefect_environment(), **llm_env) as url,
        ):
            page_watch.allowed_hosts.add(urlparse(url).netloc)
            context = chromium.new_context(viewport={"width": 1200, "height": 1000})
            page = context.new_page()
            log_in(page, url, "/learner", LEARNER, PASSWORD)

            # A diagnostic to its end: XP, a badge and the streak; the open response awaits review.
            notices = _finish_diagnostic(page, clean, learner, essay)
            expect(page.get_by_role("heading", name=re.compile("^Your results"))).to_be_visible()
            assert any("Badge earned" in n for n in notices), notices
            expect(page.locator(".ai4d-status").first).to_contain_text("Streak: 1 day")
            xp_before = _xp(page)
            assert xp_before > 0
            checked += ["diagnostic finished", "open response awaiting review", "badge notice", "XP and streak"]

            # The profile appears by itself after the analysis (the page polls the version number).
            page.get_by_role("button", name="Profile", exact=True).click()
            expect(page.get_by_text(NO_PROFILE)).to_be_visible()
            ingest_submissions()
            analyze_profiles()  # the test process has no LLM: the rules write it, "llm: not configured"
            expect(page.get_by_text(re.compile(r"^Overall level \d"))).to_be_visible()
            expect(page.locator(".ai4d-section-profile").get_by_text("NLP and LLMs").first).to_be_visible()
            for section in SECTIONS:
                expect(page.get_by_role("heading", name=section, exact=True)).to_be_visible()
            badge = page.locator(".ai4d-author-badge")
            expect(badge).to_contain_text("Written by the rules")
            expect(badge).to_contain_text("JST")  # generated_at in the learner's zone (Asia/Tokyo)
            misconceptions = page.locator(".ai4d-profile-misconceptions")
            misconceptions.get_by_role("button", name=re.compile("^See question")).first.click()
            evidence = page.locator(".ai4d-evidence").first
            expect(evidence).to_contain_text("Your answer:")
            expect(evidence).to_contain_text("Explanation:")
            expect(evidence).to_contain_text("Not right")  # a misconception's evidence: the tagged wrong choice
            page.screenshot(path="/tmp/ai4d-profile-journey.png", full_page=True)
            page.emulate_media(media="print")  # the printable view: no buttons
            expect(page.get_by_role("button", name="Refresh profile")).to_be_hidden()
            expect(page.get_by_role("heading", name="Learning path", exact=True)).to_be_visible()
            page.screenshot(path="/tmp/ai4d-profile-print.png", full_page=True)
            page.emulate_media(media="screen")
            checked += ["profile by itself", "every section", "evidence", "time zone", "print view"]

            # The educator grades the open response; the learner's score and XP follow.
            teacher = chromium.new_context(viewport={"width": 1200, "height": 1000})
            educator = teacher.new_page()
            log_in(educator, url, "/educator", EDUCATOR, PASSWORD)
            educator.locator(".bk-tab", has_text="Grading").click()
            educator.get_by_text(essay.id, exact=True).first.click()
            educator.get_by_label("Score (0 to 1)").fill("0.8")
            educator.get_by_label("Score (0 to 1)").press("Enter")
            educator.get_by_role("button", name="Grade", exact=True).click()
            expect(educator.locator(".ai4d-grading-message")).to_contain_text("Graded 80")
            page.reload()
            page.get_by_role("button", name="History", exact=True).click()
            expect(page.get_by_text("score 0.8").first).to_be_visible()
            assert _xp(page) > xp_before, "the graded answer earned XP"
            checked += ["graded in the queue", "score follows", "XP follows"]

            # The educator re-runs the fallback profile with the LLM; the learner's page shows it by itself.
            page.get_by_role("button", name="Profile", exact=True).click()
            expect(page.locator(".ai4d-author-badge")).to_contain_text("Written by the rules")
            educator.locator(".bk-tab", has_text="Profile review").click()
            educator.get_by_label("Learner to review").select_option(label=f"Journey Learner (learner {uid})")
            educator.get_by_role("button", name="Re-run with the LLM").click()
            expect(educator.get_by_text(re.compile(r"Re-run completed, 100%"))).to_be_visible()
            expect(page.locator(".ai4d-author-badge")).to_contain_text(
                "Written by fake-profile-model, checked against the rules"
            )
            assert llm.profiles >= 1
            checked += ["re-run of the fallback", "new version by itself"]

            # A next step opens a practice quiz in the Quiz section.
            page.locator(".ai4d-next-steps").get_by_role("button").first.click()
            expect(page.get_by_role("heading", name="Quiz", exact=True, level=2)).to_be_visible()
            expect(page.locator(".ai4d-question")).to_be_visible()
            checked.append("next step opens a quiz")
            page.screenshot(path="/tmp/ai4d-profile-journey-end.png", full_page=True)
            teacher.close()
            context.close()
    print(f"profile journey: {len(checked)} steps checked: {', '.join(checked)}")
    assert len(checked) == 15


def test_a_full_profile_fits_a_phone_screen_and_prints(
    clean: Container, dashboards_url: str, chromium: Browser, log_in: LogIn
) -> None:
    uid = accounts.create_user(clean, LEARNER, "Journey Learner", "learner", PASSWORD)
    rules = json.loads(target()[0].model_dump_json())
    for version in (1, 2):  # two versions: ability over time too
        clean.profiles.put({**rules, "learner_id": uid, "version": version})
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    context.add_init_script("window.print = () => { window.__printed = (window.__printed || 0) + 1; };")
    page = context.new_page()
    log_in(page, dashboards_url, "/learner", LEARNER, PASSWORD)
    page.get_by_role("button", name="Profile", exact=True).click()
    expect(page.get_by_role("heading", name="Ability over time")).to_be_visible()
    page.get_by_role("button", name="Print", exact=True).click()  # the browser's print, from our page's own JS
    page.wait_for_function("window.__printed === 1", polling=100)
    page.get_by_role("button", name="See question 1").first.click()
    expect(page.locator(".ai4d-evidence").first).to_be_attached()
    wider = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    page.screenshot(path="/tmp/ai4d-profile-phone.png", full_page=True)
    assert wider == 0, f"the profile is {wider} px wider than a 390 px screen"
    context.close()
