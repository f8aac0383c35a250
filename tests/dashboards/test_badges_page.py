"""The learner's header line (XP, level, streak), the notice after an answer and the Badges section, headless."""

from __future__ import annotations

import html
import re
from typing import Any

import panel as pn
import param
import pytest

from ai4d_core import policy
from ai4d_core.bootstrap import Container
from ai4d_core.domain.gamification import xp_for
from ai4d_core.domain.keys import key_answer
from ai4d_core.security.tokens import token_hash
from ai4d_core.services import accounts, cohorts, learner_settings, quiz_sessions
from ai4d_core.services.accounts import SessionUser
from dashboards.badges_page import OPT_IN, BadgesState, BadgesView, HeaderStatus, connect
from dashboards.learner import SECTIONS
from dashboards.learner_layout import LearnerLayout
from dashboards.page_session import PageIdentity
from dashboards.quiz_page import QuizState
from dashboards.quiz_view import QuizView

pytestmark = pytest.mark.dashboards
PASSWORD = "violet kettle drums at dawn"


@pytest.fixture(autouse=True)
def _no_rate_limits() -> None:
    quiz_sessions.ANSWERS.reset()


def _identity(c: Container, email: str) -> PageIdentity:
    accounts.create_user(c, email, email.split("@")[0].title(), "learner", PASSWORD)
    token = accounts.login(c, email, PASSWORD, source="127.0.0.1")
    user = accounts.session_user(c, token)
    assert isinstance(user, SessionUser)
    return PageIdentity(user, token_hash(token))


def _html(viewable: Any) -> str:
    panes = viewable.select(pn.pane.Markdown) + viewable.select(pn.pane.HTML)
    return "\n".join(html.unescape(p._transform_object(p.object)["object"]) if isinstance(p, pn.pane.Markdown)
                     else p.object for p in panes)  # fmt: skip


def _text(viewable: Any) -> str:
    """What a reader sees: the rendered HTML without its tags."""
    return html.unescape(re.sub(r"<[^>]+>", "", _html(viewable)))  # entities of the text itself last


class _Page(param.Parameterized):
    active = param.String(default="Quiz")


def test_the_header_shows_xp_level_and_streak_after_an_answer_with_a_badge_notice(bank: Container) -> None:
    identity = _identity(bank, "ada@example.org")
    quiz, badges, page = (
        QuizState(container=bank, identity=identity),
        BadgesState(container=bank, identity=identity),
        _Page(),
    )
    connect(badges, quiz, page)
    header = HeaderStatus(state=badges)
    assert "Level 1 · 0 XP · Streak: 0 days" in _text(header._line())

    quiz.chosen = ["sql"]
    quiz.param.trigger("start")
    assert quiz.turn is not None and quiz.question is not None
    item = bank.items.get(quiz.turn.question["id"], quiz.turn.question["version"])
    assert item is not None
    quiz.question.set_value(key_answer(item))
    quiz.param.trigger("submit")
    xp = xp_for(item.difficulty, 1.0)
    shown = _text(header._line())
    assert f"Level 1 · {xp} XP · Streak: 1 day" in shown
    notice = _html(QuizView(state=quiz)._area.__panel__())
    assert f'role="status">+{xp} XP · Badge earned: First right answer<' in notice

    page.active = "Badges"
    view = _text(BadgesView(state=badges)._content())
    assert f"Level 1 · {xp} XP ({100 - xp} to level 2) · Streak: 1 day (freeze available)" in view
    earned = view.split("Still to earn", 1)[0]
    assert "First right answer: Answer a question right (full credit) for the first time." in earned
    assert f"Earned with questions {item.id}" in earned
    assert "Perfect diagnostic: Finish a diagnostic" in view.split("Still to earn", 1)[1]
    assert "You are in no cohort yet" in view


def test_the_badges_section_shows_the_leaderboard_once_opted_in_under_pseudonyms(bank: Container) -> None:
    identity = _identity(bank, "benedikt.quorra@example.org")
    other = _identity(bank, "calloway.zeph@example.org")
    teacher = policy.Viewer(accounts.create_user(bank, "t@example.org", "Teacher", "educator", PASSWORD), "educator")
    cohort = cohorts.create_cohort(bank, teacher, "Week")
    for who in (identity, other):
        cohorts.add_member(bank, teacher, cohort, who.user.id)
    state = BadgesState(container=bank, identity=identity)
    assert OPT_IN.split(".")[0] in _text(BadgesView(state=state)._content())
    for who in (identity, other):
        learner_settings.update(bank, who.user, leaderboard_opt_in=True)
    state.load()
    view = _text(BadgesView(state=state)._content())
    mine, theirs = (learner_settings.get(bank, who.user.id).pseudonym for who in (identity, other))
    assert "Rank\nLearner\nXP this week" in view  # a table
    assert f"{mine} (you)" in view and theirs in view
    # names that no pseudonym contains ("Cal" would match "Calm Tiger 398")
    assert "Benedikt" not in view and "Calloway" not in view and "@example.org" not in view


def test_the_learner_page_has_a_badges_section_and_the_header_its_status() -> None:
    assert {"Badges", "Settings"} <= set(SECTIONS)
    user = SessionUser(1, "a@example.org", "Ada", "learner")
    sections = [("Quiz", pn.pane.Markdown("q")), ("Badges", pn.pane.Markdown("b"))]
    layout = LearnerLayout(user=user, sections=sections, status=pn.pane.Markdown("Level 7"))
    assert layout.active == "Quiz" and "Level 7" in _text(layout.__panel__())
