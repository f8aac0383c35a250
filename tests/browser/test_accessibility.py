"""axe-core (WCAG 2.2 A/AA and best practices) finds no serious or critical violation on the learner's pages:
every section, the download page, the quiz's start screen, a question of each item type and its feedback, the
summary, the history with those answers, and a profile."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from ai4d_core.bootstrap import Container
from ai4d_core.domain.topics import topic_name
from ai4d_core.item_bank import load_curated_bank
from ai4d_core.services import accounts
from ai4d_core.services.ingest import ingest_pending
from tests.browser.axe import axe_violations, blocking
from tests.browser.conftest import LogIn
from tests.browser.quiz_steps import answer_anything, submit

pytestmark = pytest.mark.browser
PASSWORD = "violet kettle drums at dawn"
SECTIONS = ("Quiz", "History", "Profile", "Badges", "Cohorts", "Settings", "Your data")


def _open(page: Page, section: str) -> None:
    page.get_by_role("button", name=section, exact=True).click()
    expect(page.get_by_role("heading", name=section, exact=True, level=2)).to_be_visible()


class Audit:
    """Runs axe on each screen and keeps the serious and critical violations per screen."""

    def __init__(self, page: Page) -> None:
        self.page, self.checked = page, 0
        self.found: dict[str, list[str]] = {}

    def check(self, screen: str) -> None:
        violations = axe_violations(self.page)
        self.checked += 1
        self.found[screen] = blocking(violations)
        print(screen, sorted({(v["id"], v["impact"]) for v in violations}))

    def assert_clean(self, expected: int) -> None:
        print(f"axe checked {self.checked} screens")
        assert self.checked == expected
        assert self.found == {key: [] for key in self.found}, "\n".join(v for vs in self.found.values() for v in vs)


def _signed_in(chromium: Browser, base: str, log_in: LogIn) -> tuple[Any, Page]:
    context = chromium.new_context(bypass_csp=True)  # axe is injected as an inline script: this context only
    page = context.new_page()
    log_in(page, base, "/learner", "ada@example.org", PASSWORD)
    expect(page.get_by_role("heading", name="Quiz", exact=True, level=2)).to_be_visible()
    return context, page


def test_every_section_has_no_serious_or_critical_axe_violation(
    bank: Container, dashboards_url: str, chromium: Browser, log_in: LogIn
) -> None:
    accounts.create_user(bank, "ada@example.org", "Ada Lovelace", "learner", PASSWORD)
    context, page = _signed_in(chromium, dashboards_url, log_in)
    audit = Audit(page)
    for section in SECTIONS:
        _open(page, section)
        audit.check(section)
    page.goto(f"{dashboards_url}/account/export")  # where "Download my data" leads without the page's token
    expect(page.get_by_role("heading", name="Download your data")).to_be_visible()
    audit.check("download page")
    audit.assert_clean(len(SECTIONS) + 1)
    context.close()


def test_the_quiz_of_every_item_type_its_feedback_summary_history_and_profile_pass_axe(
    clean: Container, dashboards_url: str, chromium: Browser, log_in: LogIn
) -> None:
    one_per_type = {i.type: i for i in reversed(load_curated_bank())}
    clean.items.upsert([i.model_copy(update={"topic": f"type_{kind}"}) for kind, i in one_per_type.items()])
    uid = accounts.create_user(clean, "ada@example.org", "Ada Lovelace", "learner", PASSWORD)
    context, page = _signed_in(chromium, dashboards_url, log_in)
    audit = Audit(page)
    audit.check("quiz start")
    for kind in sorted(one_per_type):
        page.get_by_role("radio", name="Practice one topic").check()
        page.get_by_label("Topic to practise").select_option(topic_name(f"type_{kind}"))
        page.get_by_role("button", name="Start quiz").click()
        expect(page.get_by_role("heading", name="Question 1", exact=True)).to_be_visible()
        audit.check(f"question {kind}")
        if kind == "numeric":  # an answer the server cannot read: the fix-your-answer message
            page.get_by_label("Your answer (a number)").fill("about twelve")
            expect(page.get_by_role("button", name="Submit answer")).to_be_enabled()
            page.get_by_role("button", name="Submit answer").click()
            expect(page.get_by_role("alert")).to_contain_text("Question 1:")
            audit.check("fix message")
        answer_anything(page, kind)
        submit(page)
        audit.check(f"feedback {kind}")
        page.screenshot(path=f"/tmp/ai4d-feedback-{kind}.png", full_page=True)
        page.get_by_role("button", name="See your results").click()
        expect(page.get_by_role("heading", name="Your results (practice)")).to_be_visible()
        if kind == "cloze":
            audit.check("summary")
        page.get_by_role("button", name="New quiz", exact=True).click()
        expect(page.get_by_role("heading", name="Start a quiz")).to_be_visible()
    _open(page, "History")
    expect(page.get_by_text("Your answer:").first).to_be_visible()
    audit.check("history")
    page.screenshot(path="/tmp/ai4d-history.png", full_page=True)
    ingest_pending(clean)  # the answers become evidence the profile's claims can open
    answered = sorted(one_per_type.values(), key=lambda i: i.id)[0]
    for version in (1, 2):  # two versions: the chart of ability over time shows too
        clean.profiles.put(_profile(uid, version, answered.id, f"type_{answered.type}"))
    _open(page, "Profile")
    page.get_by_role("button", name="Refresh profile").click()
    expect(page.get_by_text("Overall level 2: Novice")).to_be_visible()
    expect(page.get_by_role("heading", name="Ability over time")).to_be_visible()
    audit.check("profile")
    page.get_by_role("button", name="See question 1").first.click()
    expect(page.locator(".ai4d-evidence").first).to_contain_text("Explanation:")
    audit.check("profile evidence")
    page.screenshot(path="/tmp/ai4d-profile.png", full_page=True)
    audit.assert_clean(1 + 2 * len(one_per_type) + 5)  # start, question and feedback per type, fix, summary...
    context.close()


def _profile(learner_id: int, version: int, item_id: str, topic: str) -> dict[str, Any]:
    """A v2 profile whose strength cites an item the learner answered, with catalogue resources and links."""
    return {
        "learner_id": learner_id, "version": version, "overall_level": {"level": 2, "label": "Novice"},
        "topics": [{"topic": "python", "n_responses": 3, "n_correct": 2, "mean_score": 0.67, "ability": 0.31,
                    "se": 0.8, "mastery": "proficient", "evidence": ["py-001"]},
                   {"topic": topic, "n_responses": 30, "n_correct": 27, "mean_score": 0.9,
                    "ability": 1.4 + version / 10, "se": 0.3, "mastery": "mastered", "evidence": [item_id]}],
        "strengths": [{"topic": topic, "claim": "Answers this kind of question well", "evidence": [item_id]}],
        "weaknesses": [], "misconceptions": [],
        "learning_path": [{"order": 1, "topic": "python", "objective": "Closures",
                           "resources": ["py-tutorial", "py-functional-howto"], "estimated_hours": 2.0}],
        "timeline": [{"week": 1, "focus": "Closures", "topics": ["python"], "hours": 2.0}],
        "next_steps": [{"text": "Practise Python", "topic": "python", "mode": "practice"},
                       {"text": "Take a diagnostic", "topic": None, "mode": "diagnostic"}],
        "narrative": "A good start.",
        "provenance": {"source": "llm", "model": "test-model", "checked": True, "n_responses": 33,
                       "generated_at": f"2026-01-0{version}T00:00:00Z", "evidence_from": "2026-01-01T00:00:00Z",
                       "evidence_to": "2026-01-01T00:00:00Z"},
    }  # fmt: skip
