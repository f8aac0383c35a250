"""Steps of the one-question-at-a-time quiz in Chromium that several browser tests take."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect


def answer_anything(page: Page, kind: str) -> None:
    """Give some answer to the question on screen of type `kind` (the right one is not the point)."""
    question = page.locator(".ai4d-question")
    if kind in ("single_choice", "true_false"):
        question.get_by_role("radio").first.check()
    elif kind == "multiple_choice":
        question.get_by_role("checkbox").first.check()
    elif kind in ("matching", "cloze"):
        for select in question.locator("select").all():
            select.select_option(index=1)
        for field in question.locator("input[type=text]").all():
            field.fill("1")
    elif kind in ("short_answer", "numeric"):
        question.locator("input[type=text]").first.fill("1")
    elif kind == "open_response":
        question.locator("textarea").first.fill("Some words about the question.")
    elif kind == "sql_query":
        question.locator(".ace_content").click()
        page.keyboard.type("SELECT 1 AS x")
    # ordering: the entries as shown are already an answer


def submit(page: Page) -> None:
    """Click Submit once the server holds the answer, until the feedback shows (waiting when the server's rate
    limit asks to: its wait, not a time limit on the test)."""
    button = page.get_by_role("button", name="Submit answer")
    fix = page.locator(".ai4d-fix", has_text="try again in")  # an earlier fix-your-answer message may still show
    for _ in range(30):
        expect(button).to_be_enabled()
        button.click()
        feedback = page.locator(".ai4d-feedback:visible")  # the page keeps it, hidden, while there is none
        expect(feedback.or_(fix).first).to_be_visible()
        if feedback.count():
            return
        # the message can be replaced between the two reads: then a second, and the loop clicks again
        wait = re.search(r"try again in (\d+) s", fix.first.inner_text() if fix.count() else "")
        time.sleep(int(wait.group(1)) if wait else 1)
    raise AssertionError("the answer was never accepted")


def next_question(page: Page) -> None:
    """After the feedback: the next question, or the results at the end."""
    page.get_by_role("button", name=re.compile("^(Next question|See your results)$")).click()


__all__ = ["answer_anything", "next_question", "submit"]
