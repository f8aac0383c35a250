"""The adaptive quiz in Chromium, one question at a time: harder after right answers and easier after wrong
ones, feedback and explanation after each answer, a reload resumes at the same question, and the shuffled
order shown is the order recorded with the response."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from sqlalchemy import text

from ai4d_core import policy
from ai4d_core.bootstrap import Container
from ai4d_core.domain.items import Item, NumericItem, SingleChoiceItem, TrueFalseItem
from ai4d_core.domain.topics import topic_name
from ai4d_core.item_bank import load_curated_bank
from ai4d_core.services import accounts, quiz_sessions
from ai4d_core.services.ingest import ingest_pending
from ai4d_core.services.quiz_types import QuizTurn
from tests.browser.conftest import LogIn
from tests.browser.quiz_steps import next_question, submit

pytestmark = pytest.mark.browser
PASSWORD = "violet kettle drums at dawn"
MIXED = "mixed"
Pick = Callable[[Item], str]  # the option text to choose


def _mixed_bank(c: Container) -> None:
    """Every curated choice item as one topic: a pool wide enough in difficulty to follow a learner."""
    chosen = [i for i in load_curated_bank() if isinstance(i, SingleChoiceItem | TrueFalseItem)]
    c.items.upsert([i.model_copy(update={"id": f"x-{i.id}", "topic": MIXED}) for i in chosen])


def _learner(c: Container, email: str) -> policy.Principal:
    uid = accounts.create_user(c, email, email.split("@")[0].title(), "learner", PASSWORD)
    return policy.Viewer(uid, "learner")


def _turn(c: Container, who: policy.Principal) -> QuizTurn:
    turn = quiz_sessions.resume(c, who)
    assert turn is not None
    return turn


def _item(c: Container, turn: QuizTurn) -> Item:
    item = c.items.get(turn.question["id"], turn.question["version"])
    assert item is not None
    return item


def _label(item: Item, choice_id: str | bool) -> str:
    if isinstance(item, TrueFalseItem):
        return "True" if choice_id else "False"
    assert isinstance(item, SingleChoiceItem)
    return next(o.text.replace("`", "") for o in item.options if o.id == choice_id)


def right(item: Item) -> str:
    assert isinstance(item, SingleChoiceItem | TrueFalseItem)
    return _label(item, item.key)


def wrong(item: Item) -> str:
    if isinstance(item, TrueFalseItem):
        return _label(item, not item.key)
    assert isinstance(item, SingleChoiceItem)
    return _label(item, next(o.id for o in item.options if o.id != item.key))


def _question(page: Page, n: int) -> Locator:
    expect(page.get_by_role("heading", name=f"Question {n}", exact=True)).to_be_visible()
    return page.locator(".ai4d-question")


def shown_order(page: Page) -> list[str]:
    """The labels of the radio buttons of the question on screen, in the order the page shows them."""
    return [r.strip() for r in page.locator(".ai4d-question label").all_inner_texts() if r.strip()]


def play(page: Page, c: Container, who: policy.Principal, pick: Pick, n: int) -> list[float]:
    """Answer `n` questions with `pick`, checking the feedback each time; the difficulties met."""
    met = []
    for position in range(1, n + 1):
        _question(page, position)
        item = _item(c, _turn(c, who))
        met.append(item.difficulty)
        choice = pick(item)
        page.get_by_role("radio", name=choice, exact=True).check()
        submit(page)
        feedback = page.locator(".ai4d-feedback")
        expect(feedback).to_contain_text("✔ Right" if pick is right else "✘ Not right")
        expect(feedback).to_contain_text("Right answer:")
        expect(feedback).to_contain_text("Explanation:")
        expect(page.get_by_role("radio", name=choice, exact=True)).to_be_disabled()  # the answer stays, read-only
        next_question(page)
    return met


def _start_diagnostic(page: Page, base: str, log_in: LogIn, email: str) -> None:
    log_in(page, base, "/learner", email, PASSWORD)
    expect(page.get_by_role("heading", name="Start a quiz")).to_be_visible()
    page.get_by_role("checkbox", name=topic_name(MIXED), exact=True).check()  # the topic in words
    page.get_by_role("button", name="Start quiz").click()


def test_a_diagnostic_gets_harder_after_right_answers_and_easier_after_wrong_ones(
    clean: Container, dashboards_url: str, chromium: Browser, log_in: LogIn
) -> None:
    _mixed_bank(clean)
    met: dict[str, list[float]] = {}
    for name, pick in (("right", right), ("wrong", wrong)):
        email = f"{name}@example.org"
        who = _learner(clean, email)
        context = chromium.new_context()
        page = context.new_page()
        _start_diagnostic(page, dashboards_url, log_in, email)
        met[name] = play(page, clean, who, pick, 8)
        page.screenshot(path=f"/tmp/ai4d-quiz-{name}.png", full_page=True)
        context.close()
    print(f"difficulties met, all right: {met['right']}; all wrong: {met['wrong']}")
    later = {name: sum(values[4:]) / len(values[4:]) for name, values in met.items()}
    assert later["right"] > later["wrong"]
    assert sum(met["right"][-4:]) / 4 > sum(met["right"][:2]) / 2, "right answers lead to harder items"
    assert sum(met["wrong"][-4:]) / 4 < sum(met["wrong"][:2]) / 2, "wrong answers lead to easier items"


def test_a_reload_or_a_new_login_resumes_at_the_same_question_and_the_order_shown_is_recorded(
    clean: Container, dashboards_url: str, chromium: Browser, log_in: LogIn
) -> None:
    _mixed_bank(clean)
    email = "ada@example.org"
    who = _learner(clean, email)
    context = chromium.new_context()
    page = context.new_page()
    _start_diagnostic(page, dashboards_url, log_in, email)
    orders: dict[str, list[str]] = {}  # item id -> option labels in the order shown
    for position in (1, 2):
        _question(page, position)
        turn = _turn(clean, who)
        orders[turn.question["id"]] = shown_order(page)
        page.get_by_role("radio", name=right(_item(clean, turn)), exact=True).check()
        submit(page)
        page.get_by_role("button", name="Next question").click()

    _question(page, 3)
    before = shown_order(page)
    page.reload()
    _question(page, 3)
    assert shown_order(page) == before, "same question, same order after a reload"
    elsewhere = chromium.new_context()
    other = elsewhere.new_page()
    log_in(other, dashboards_url, "/learner", email, PASSWORD)
    _question(other, 3)
    assert shown_order(other) == before, "same question, same order after a login elsewhere"
    elsewhere.close()
    context.close()

    ingest_pending(clean)
    with clean.engine.connect() as conn:
        rows = conn.execute(text("select item_id, presentation from responses where learner_id = :id"), {"id": who.id})
        recorded = {r.item_id: r.presentation for r in rows}
    assert set(recorded) == set(orders)
    checked = 0
    for item_id, labels in orders.items():
        item = clean.items.get(item_id)
        assert item is not None
        if isinstance(item, SingleChoiceItem):
            ids = {o.text.replace("`", ""): o.id for o in item.options}
            assert recorded[item_id] == {"options": [ids[label] for label in labels]}
            checked += 1
        else:
            assert labels == ["True", "False"] and not recorded[item_id]
    print(f"{checked} shuffled orders compared with their responses")


def test_an_unreadable_answer_comes_back_to_fix_and_a_new_quiz_asks_before_abandoning(
    clean: Container, dashboards_url: str, chromium: Browser, log_in: LogIn
) -> None:
    numeric = [i for i in load_curated_bank() if isinstance(i, NumericItem)][:4]
    clean.items.upsert([i.model_copy(update={"topic": "numbers"}) for i in numeric])
    _learner(clean, "ada@example.org")
    context = chromium.new_context()
    page = context.new_page()
    log_in(page, dashboards_url, "/learner", "ada@example.org", PASSWORD)
    page.get_by_role("radio", name="Practice one topic").check()
    page.get_by_label("Topic to practise").select_option(topic_name("numbers"))
    page.get_by_role("button", name="Start quiz").click()
    _question(page, 1)
    answer = page.get_by_label(re.compile("Your answer"))
    answer.fill("about twelve")
    submit_button = page.get_by_role("button", name="Submit answer")
    fix = page.locator(".ai4d-fix")
    for _ in range(30):  # the served process's answer rate limit may still hold this learner id from another test
        expect(submit_button).to_be_enabled()
        submit_button.click()
        expect(fix).to_be_visible()
        if "Question 1:" in fix.inner_text():
            break
        page.wait_for_timeout(2_500)  # "You are answering very fast": one answer every 2 s refills
    expect(fix).to_contain_text("Question 1:")  # next to the question, with its number
    expect(page.locator(".ai4d-feedback")).to_be_hidden()
    answer.fill("12")
    submit(page)
    expect(fix).to_be_hidden()
    next_question(page)
    _question(page, 2)

    page.get_by_role("button", name="New quiz", exact=True).click()
    expect(page.get_by_text(re.compile(r"You have a quiz in progress \(1 answered\)"))).to_be_visible()
    page.get_by_role("button", name="No, go on with this quiz").click()
    _question(page, 2)
    page.get_by_role("button", name="New quiz", exact=True).click()
    page.get_by_role("button", name="Yes, start a new quiz").click()
    expect(page.get_by_role("heading", name="Start a quiz")).to_be_visible()
    page.get_by_role("button", name="Start quiz").click()  # a diagnostic over every topic
    _question(page, 1)
    page.get_by_role("button", name="History", exact=True).click()
    expect(page.get_by_text(re.compile(r"Practice of .* \(abandoned\)"))).to_be_visible()
    expect(page.locator(".ai4d-past-answer")).to_have_count(1)  # the answer given before is kept
    context.close()
