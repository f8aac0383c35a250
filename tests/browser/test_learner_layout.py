"""The learner app's frame in Chromium: on a phone nothing overflows sideways, and the keyboard alone
reaches and opens every section."""

from __future__ import annotations

import contextlib

import pytest
from playwright.sync_api import Browser, Locator, Page, ViewportSize, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from ai4d_core.bootstrap import Container
from ai4d_core.domain.items import Item, SqlQueryItem
from ai4d_core.item_bank import load_curated_bank
from ai4d_core.policy import Viewer
from ai4d_core.services import accounts, quiz_sessions
from ai4d_core.services.profile_ready import PROFILE_PATH
from ai4d_core.services.quiz_sessions import QuizTurn
from tests.browser.conftest import LogIn
from tests.browser.quiz_steps import answer_anything, next_question, submit

pytestmark = pytest.mark.browser
PASSWORD = "violet kettle drums at dawn"
SECTIONS = ("Quiz", "Profile", "Badges", "Cohorts", "Settings", "Your data")
PHONE: ViewportSize = {"width": 390, "height": 844}
DEEP_FOCUS = """() => { let e = document.activeElement;
  while (e && e.shadowRoot && e.shadowRoot.activeElement) e = e.shadowRoot.activeElement;
  return e ? (e.innerText || e.getAttribute('aria-label') || e.tagName).trim() : ''; }"""


def _title(page: Page, section: str) -> Locator:
    return page.get_by_role("heading", name=section, exact=True, level=2)


WIDER = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _overflow(page: Page) -> int:
    """How many pixels the page is wider than the screen (0: nothing to scroll sideways), once the layout has
    settled: Bokeh lays a new part out over a few frames, and a busy machine can catch one in between."""
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(f"({WIDER}) <= 0", timeout=10_000)
    return int(page.evaluate(WIDER))


def _tab_to(page: Page, name: str) -> int:
    """Press Tab until the control named `name` has the focus; how many presses it took."""
    for presses in range(1, 200):
        page.keyboard.press("Tab")
        if page.evaluate(DEEP_FOCUS) == name:
            return presses
    raise AssertionError(f"Tab never reached {name!r}")


def test_on_a_phone_every_section_fits_the_screen_and_opens_by_keyboard(
    bank: Container, dashboards_url: str, chromium: Browser, log_in: LogIn
) -> None:
    accounts.create_user(bank, "ada@example.org", "Ada Lovelace", "learner", PASSWORD)
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    log_in(page, dashboards_url, "/learner", "ada@example.org", PASSWORD)
    expect(_title(page, "Quiz")).to_be_visible()
    expect(page.get_by_role("link", name="Log out")).to_be_visible()
    expect(page.get_by_role("link", name="Change password")).to_be_visible()
    expect(page.get_by_text("Ada Lovelace")).to_be_visible()
    expect(page.locator(".ai4d-status")).to_contain_text("Level 1 · 0 XP · Streak: 0 days")
    for name in SECTIONS:
        page.locator("body").focus()
        assert _tab_to(page, name) > 0
        page.keyboard.press("Enter")
        expect(_title(page, name)).to_be_visible()
        for other in SECTIONS:
            if other != name:
                expect(_title(page, other)).to_be_hidden()
        assert _overflow(page) == 0, f"the {name} section is wider than a 390 px screen"
        page.screenshot(path=f"/tmp/ai4d-learner-phone-{name.lower().replace(' ', '-')}.png", full_page=True)
    context.close()


def test_an_invite_link_opens_the_cohorts_section_with_its_code(
    bank: Container, dashboards_url: str, chromium: Browser, log_in: LogIn
) -> None:
    accounts.create_user(bank, "ada@example.org", "Ada Lovelace", "learner", PASSWORD)
    context = chromium.new_context()
    page = context.new_page()
    log_in(page, dashboards_url, "/learner?join=ABCD-EFGH", "ada@example.org", PASSWORD)
    expect(_title(page, "Cohorts")).to_be_visible()
    expect(page.get_by_label("Join code")).to_have_value("ABCD-EFGH")
    context.close()


def test_the_profile_ready_link_opens_the_profile_section(
    bank: Container, dashboards_url: str, chromium: Browser, log_in: LogIn
) -> None:
    accounts.create_user(bank, "ada@example.org", "Ada Lovelace", "learner", PASSWORD)
    context = chromium.new_context()
    page = context.new_page()
    log_in(page, dashboards_url, PROFILE_PATH, "ada@example.org", PASSWORD)  # the e-mail's link
    expect(page.get_by_role("button", name="Profile", exact=True)).to_be_visible()  # the page is up
    expect(_title(page, "Profile")).to_be_visible()
    expect(_title(page, "Quiz")).to_be_hidden()
    context.close()


def test_a_quiz_question_is_answered_with_the_keyboard_alone_and_fits_a_phone(
    clean: Container, dashboards_url: str, chromium: Browser, log_in: LogIn
) -> None:
    """A single-choice question (the bank holds only those, so the first question's type is not left to the
    adaptive draw): Tab reaches its radio buttons, Space picks one, Enter submits and moves on."""
    clean.items.upsert([i for i in load_curated_bank() if i.type == "single_choice"])
    accounts.create_user(clean, "ada@example.org", "Ada Lovelace", "learner", PASSWORD)
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    log_in(page, dashboards_url, "/learner", "ada@example.org", PASSWORD)
    expect(page.get_by_role("heading", name="Start a quiz")).to_be_visible()
    page.locator("body").focus()
    _tab_to(page, "Start quiz")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Question 1", exact=True)).to_be_visible()
    assert _overflow(page) == 0, "the question is wider than a 390 px screen"

    page.locator("body").focus()
    for _ in range(200):  # Tab to the first answer option, then Space picks it
        page.keyboard.press("Tab")
        if (
            page.evaluate(
                "() => { let e = document.activeElement; while (e && e.shadowRoot && "
                "e.shadowRoot.activeElement) e = e.shadowRoot.activeElement; return e && e.type; }"
            )
            == "radio"
        ):
            break
    else:
        raise AssertionError("Tab never reached an answer option")
    page.keyboard.press("Space")
    submit = page.get_by_role("button", name="Submit answer")
    expect(submit).to_be_enabled()
    _tab_to(page, "Submit answer")
    page.keyboard.press("Enter")
    expect(page.locator(".ai4d-feedback")).to_contain_text("Explanation:")
    assert _overflow(page) == 0, "the feedback is wider than a 390 px screen"
    expect(page.locator(".ai4d-status")).to_contain_text("Streak: 1 day")  # the header followed
    page.locator("body").focus()
    _tab_to(page, "Next question")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Question 2", exact=True)).to_be_visible()
    page.screenshot(path="/tmp/ai4d-learner-phone-question.png", full_page=True)
    context.close()


def test_a_sql_question_with_its_tables_and_feedback_fits_a_phone(
    clean: Container, dashboards_url: str, chromium: Browser, log_in: LogIn
) -> None:
    sql = next(i for i in load_curated_bank() if isinstance(i, SqlQueryItem))
    clean.items.upsert([sql])
    accounts.create_user(clean, "ada@example.org", "Ada Lovelace", "learner", PASSWORD)
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    log_in(page, dashboards_url, "/learner", "ada@example.org", PASSWORD)
    page.get_by_role("button", name="Start quiz").click()
    expect(page.get_by_role("heading", name="Question 1", exact=True)).to_be_visible()
    assert _overflow(page) == 0, "the SQL question is wider than a 390 px screen"
    answer_anything(page, "sql_query")
    submit(page)
    expect(page.locator(".ai4d-feedback")).to_contain_text("Expected result")
    assert _overflow(page) == 0, "the SQL feedback is wider than a 390 px screen"
    page.screenshot(path="/tmp/ai4d-learner-phone-sql.png", full_page=True)
    context.close()


def _longest_text(item: Item) -> int:
    """The length of the longest option, prompt, target or entry of an item (its stem's when it has none)."""
    dump = item.model_dump()
    texts = [str(e["text"]) for key in ("options", "prompts", "targets", "entries") for e in dump.get(key) or []]
    return max((len(t) for t in texts), default=len(item.stem))


def test_the_longest_texts_of_every_question_type_wrap_on_a_phone(
    clean: Container, dashboards_url: str, chromium: Browser, log_in: LogIn
) -> None:
    """Per type, the curated item with the longest option (prompt, entry...) text: none runs off the screen."""
    longest: dict[str, Item] = {}
    for item in load_curated_bank():
        if item.type != "sql_query":  # SQL: the test above
            longest[item.type] = max(longest.get(item.type, item), item, key=_longest_text)
    clean.items.upsert(list(longest.values()))
    learner = accounts.create_user(clean, "ada@example.org", "Ada Lovelace", "learner", PASSWORD)
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    log_in(page, dashboards_url, "/learner", "ada@example.org", PASSWORD)
    page.get_by_role("button", name="Start quiz").click()
    shown = []
    for number in range(1, len(longest) + 1):
        expect(page.get_by_role("heading", name=f"Question {number}", exact=True)).to_be_visible()
        turn = quiz_sessions.resume(clean, Viewer(learner, "learner"))
        assert isinstance(turn, QuizTurn)
        kind = str(turn.question["type"])
        shown.append(kind)
        assert _overflow(page) == 0, f"a {kind} question is wider than a 390 px screen"
        answer_anything(page, kind)
        submit(page)
        assert _overflow(page) == 0, f"a {kind} question's feedback is wider than a 390 px screen"
        next_question(page)
    assert sorted(shown) == sorted(longest), "every type was shown"
    print(f"checked {len(shown)} question types on a 390 px screen")
    context.close()
