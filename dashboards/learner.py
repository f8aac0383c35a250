# Panel's constructors take untyped **params:
# mypy: disable-error-code="no-untyped-call"
"""The learner dashboard (`/learner`): take a quiz, get the server's score and feedback, read the profile.

`LearnerState` holds everything and calls the core services; the views only lay it out. Tests drive the
state headless by setting its parameters.
"""

from __future__ import annotations

from typing import Any

import panel as pn
import param
from panel.viewable import Viewer
from param.parameters import NoNone

from ai4d_core.bootstrap import Container
from ai4d_core.services import quiz
from ai4d_core.services.accounts import SessionUser
from ai4d_core.services.quiz import Feedback
from ai4d_core.services.rate_limit import SCORING, SUBMISSIONS
from dashboards.cohort_views import LearnerCohortsState, LearnerCohortsView, join_code_from_request
from dashboards.common import (
    SESSION_ENDED,
    container,
    current_identity,
    ended,
    format_number,
    guarded,
    markdown,
    session_alive,
)
from dashboards.learner_layout import LEARNER_CSS, LearnerLayout, use_phone_template
from dashboards.page_session import PageIdentity
from dashboards.privacy_views import PrivacyView, goodbye
from dashboards.profile_page import ProfileState, ProfileView
from dashboards.questions import Question, question_for

NO_QUESTIONS = "No questions are available yet; the item bank is empty. Please come back later."
NOTHING_ANSWERED = "Answer at least one question before submitting."
TOO_FAST = "You are submitting too quickly; wait {seconds} s and try again."
BUSY = "The server is busy scoring other answers; try again in a moment."


class LearnerState(param.Parameterized):
    """The learner's quiz, its result and their latest profile.

    Every action re-checks the server-side session first (fails closed; Panel runs these callbacks on its
    worker threads, so the database round trip and the scoring never run on the event loop).
    """

    container = param.ClassSelector(class_=Container, allow_None=NoNone, constant=True)
    identity = param.ClassSelector(class_=PageIdentity, allow_None=NoNone, constant=True, doc="user, token hash")
    ended = param.Boolean(default=False, doc="the session was found ended")
    questions = param.List(default=[], item_type=Question)
    submitted = param.Boolean(default=False)
    score = param.String(default="")
    feedback = param.List(default=[], item_type=Feedback)
    message = param.String(default="", doc="a rejection, duplicate or session notice")
    submit = param.Event(label="Submit answers")
    new_quiz = param.Event(label="New quiz")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.start_quiz()

    @property
    def answers(self) -> dict[str, object]:
        answers = {q.item_id: q.value() for q in self.questions}
        return {item_id: answer for item_id, answer in answers.items() if answer is not None}

    @property
    def user(self) -> SessionUser:
        user: SessionUser = self.identity.user
        return user

    def _alive(self) -> bool:
        """Whether the session is still live; if not, say so and mark the page ended."""
        if not self.ended and session_alive(self.container, self.identity):
            return True
        self.param.update(message=SESSION_ENDED, ended=True)
        return False

    @param.depends("new_quiz", watch=True)
    def start_quiz(self) -> None:
        """A fresh quiz from the server; clears the previous result."""
        if not self._alive():
            return
        self.param.update(
            questions=[question_for(item) for item in quiz.next_quiz(self.container, self.user.id)],
            submitted=False, score="", feedback=[], message="",
        )  # fmt: skip

    @param.depends("submit", watch=True)
    def submit_answers(self) -> None:
        """Send the answers; show the server's score and feedback, or why they were not accepted."""
        if self.submitted or not self._alive():
            return
        if not self.answers:
            self.message = NOTHING_ANSWERED
            return
        if not SUBMISSIONS.allow(self.user.id):
            self.message = TOO_FAST.format(seconds=max(1, round(SUBMISSIONS.retry_after(self.user.id))))
            return
        with SCORING.hold() as scoring:
            if not scoring:
                self.message = BUSY
                return
            receipt, feedback = quiz.submit(self.container, self.user.id, quiz.build_payload(self.answers))
        if not receipt.accepted:
            self.message = f"Your answers were not accepted: {receipt.submission.reason}"
            return
        note = "These answers were already received." if receipt.submission.duplicate else ""
        self.param.update(
            submitted=True, feedback=feedback, message=note,
            score=f"Score: {format_number(receipt.total)} / {len(self.questions)}",
        )  # fmt: skip


class QuizView(Viewer):
    """The questions, the Submit button, then the score and per-item feedback."""

    state = param.ClassSelector(class_=LearnerState, allow_None=NoNone)

    @param.depends("state.questions")
    def _questions(self) -> pn.Column:
        if not self.state.questions:
            return pn.Column(markdown(NO_QUESTIONS, css_classes=["ai4d-no-questions"]), sizing_mode="stretch_width")
        cards = [
            pn.Column(
                markdown(f"**{n}.** {q.stem}"),
                q.widget(),
                css_classes=["ai4d-question"], styles={"border-bottom": "1px solid #ddd"},
                sizing_mode="stretch_width",
            )
            for n, q in enumerate(self.state.questions, start=1)
        ]  # fmt: skip
        return pn.Column(*cards, sizing_mode="stretch_width")

    @param.depends("state.score", "state.feedback", "state.message")
    def _result(self) -> pn.Column:
        parts: list[Any] = [markdown(self.state.message)] if self.state.message else []
        if self.state.score:
            parts.append(pn.pane.Markdown(f"### {self.state.score}", css_classes=["ai4d-score"]))
        for fb in self.state.feedback:
            mark = "✔" if fb.score >= 1 else ("✘" if fb.score <= 0 else "◐")
            parts.append(markdown(f"{mark} **{fb.stem}**  \nscore {format_number(fb.score)}: {fb.explanation}"))
        return pn.Column(*parts, sizing_mode="stretch_width")

    def __panel__(self) -> pn.Column:
        submit = pn.widgets.Button.from_param(
            self.state.param.submit, button_type="primary", disabled=self.state.param.submitted
        )
        again = pn.widgets.Button.from_param(self.state.param.new_quiz, button_type="light")
        return pn.Column(self._questions, pn.Row(submit, again), self._result, sizing_mode="stretch_width")


def app() -> pn.viewable.Viewable:
    """The page for the session resolved on the server for this request (served by `dashboards.serve`)."""
    identity = current_identity()
    if identity is None:
        return ended()
    use_phone_template()
    c = container()
    state = LearnerState(container=c, identity=identity)
    join_code = join_code_from_request()
    cohorts = LearnerCohortsState(container=c, identity=identity, join_code=join_code)
    privacy = PrivacyView.for_page(c, identity)
    privacy.state.param.watch(lambda event: privacy.state.param.update(ended=True) if event.new else None, "erased")
    profile = ProfileState(container=c, identity=identity)
    page = LearnerLayout(
        user=identity.user, active="Cohorts" if join_code else "Quiz",
        sections=[
            ("Quiz", QuizView(state=state)), ("Profile", ProfileView(state=profile)),
            ("Cohorts", LearnerCohortsView(state=cohorts)), ("Your data", privacy),
        ],
    )  # fmt: skip
    return guarded(
        identity, page, state, ["submit", "new_quiz"],
        parts=[(profile, ["refresh"]), (cohorts, ["join", "leave"]), (privacy.state, ["delete"])],
        final=lambda: goodbye() if privacy.state.erased else ended(),
    )  # fmt: skip


if pn.state.served:
    pn.extension("tabulator", sizing_mode="stretch_width", raw_css=[LEARNER_CSS])
    app().servable(title="AI4D learner")
