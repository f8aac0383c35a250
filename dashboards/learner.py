# Panel's constructors take untyped **params:
# mypy: disable-error-code="no-untyped-call"
"""The learner dashboard (`/learner`): take a quiz, get the server's score and feedback, read the profile.

`LearnerState` holds everything and calls the core services; the views only lay it out. Tests drive the
state headless by setting its parameters.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import panel as pn
import param
from panel.viewable import Viewer
from param.parameters import NoNone

from ai4d_core.bootstrap import Container
from ai4d_core.services import profiles, quiz
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
    header,
    markdown,
    session_alive,
)
from dashboards.page_session import PageIdentity
from dashboards.privacy_views import PrivacyView, goodbye
from dashboards.questions import Question, question_for

NO_PROFILE = "Your profile will appear after the next analysis run."
NO_QUESTIONS = "No questions are available yet; the item bank is empty. Please come back later."
NOTHING_ANSWERED = "Answer at least one question before submitting."
TOO_FAST = "You are submitting too quickly; wait {seconds} s and try again."
BUSY = "The server is busy scoring other answers; try again in a moment."
TOPIC_TITLES = {
    "topic": "Topic",
    "mastery": "Mastery",
    "mean_score": "Mean score",
    "ability": "Ability",
    "se": "Std. error",
    "n_responses": "Responses",
}


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
    profile = param.Dict(default=None, allow_None=True)
    submit = param.Event(label="Submit answers")
    new_quiz = param.Event(label="New quiz")
    refresh_profile = param.Event(label="Refresh")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.start_quiz()
        self.load_profile()

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

    @param.depends("refresh_profile", watch=True)
    def load_profile(self) -> None:
        if self._alive():
            self.profile = profiles.latest_profile(self.container, self.user)


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


def _bullets(lines: list[str]) -> str:
    return "\n".join(f"- {line}" for line in lines) if lines else "_none yet_"


def _claims(claims: list[dict[str, Any]]) -> str:
    return _bullets([f"**{c['topic']}**: {c['claim']}" for c in claims])


class ProfileView(Viewer):
    """The latest profile: level, per-topic table, strengths and weaknesses, path, next steps, narrative."""

    state = param.ClassSelector(class_=LearnerState, allow_None=NoNone)

    @param.depends("state.profile")
    def _profile(self) -> pn.viewable.Viewable:
        p = self.state.profile
        if not p:
            return markdown(NO_PROFILE, css_classes=["ai4d-no-profile"])
        level = p["overall_level"]
        topics = pd.DataFrame(p["topics"], columns=[*TOPIC_TITLES, "evidence"])[list(TOPIC_TITLES)]
        table = pn.widgets.Tabulator(
            topics.round(2), disabled=True, show_index=False, titles=TOPIC_TITLES, sizing_mode="stretch_width",
            formatters={"topic": {"type": "plaintext"}, "mastery": {"type": "plaintext"}},
        )  # fmt: skip
        path = [
            f"{s['order']}. **{s['topic']}**: {s['objective']} "
            f"(about {format_number(s['estimated_hours'], 1)} h; {'; '.join(s['resources'])})"
            for s in p["learning_path"]
        ]
        prov = p.get("provenance", {})
        sections = [
            f"### Overall level {int(level['level'])}: {level['label']}",
            p.get("narrative", ""),
            f"#### Strengths\n{_claims(p['strengths'])}",
            f"#### Weaknesses\n{_claims(p['weaknesses'])}",
            f"#### Misconceptions\n{_claims(p['misconceptions'])}",
            "#### Learning path\n" + ("\n".join(path) or "_none yet_"),
            "#### Timeline\n" + _bullets([f"Week {t['week']}: {t['focus']}" for t in p["timeline"]]),
            "#### Next steps\n" + _bullets([step for step in p["next_steps"]]),
            f"_Profile version {int(p['version'])}, written by {prov.get('source', '?')} "
            f"at {prov.get('generated_at', '?')}._",
        ]
        return pn.Column(
            markdown(sections[0], css_classes=["ai4d-profile"]), markdown(sections[1]),
            pn.pane.Markdown("#### Topics"), table, markdown("\n\n".join(sections[2:])),
            sizing_mode="stretch_width",
        )  # fmt: skip

    def __panel__(self) -> pn.Column:
        refresh = pn.widgets.Button.from_param(self.state.param.refresh_profile, button_type="light", width=100)
        return pn.Column(refresh, self._profile, sizing_mode="stretch_width")


class LearnerApp(Viewer):
    """The learner page: a header, then the Quiz and Profile tabs and the page's other sections."""

    state = param.ClassSelector(class_=LearnerState, allow_None=NoNone)
    sections = param.List(default=[], item_type=tuple, doc="(title, view) tabs after Quiz and Profile")
    active = param.Integer(default=0, doc="the tab shown first")

    def __panel__(self) -> pn.Column:
        tabs = pn.Tabs(
            ("Quiz", QuizView(state=self.state)), ("Profile", ProfileView(state=self.state)), *self.sections,
            active=self.active,
        )  # fmt: skip
        return pn.Column(
            header("AI4D learner", self.state.user), tabs,
            sizing_mode="stretch_width", max_width=1000, styles={"margin": "0 auto"},
        )  # fmt: skip


def app() -> pn.viewable.Viewable:
    """The page for the session resolved on the server for this request (served by `dashboards.serve`)."""
    identity = current_identity()
    if identity is None:
        return ended()
    c = container()
    state = LearnerState(container=c, identity=identity)
    join_code = join_code_from_request()
    cohorts = LearnerCohortsState(container=c, identity=identity, join_code=join_code)
    privacy = PrivacyView.for_page(c, identity)
    privacy.state.param.watch(lambda event: privacy.state.param.update(ended=True) if event.new else None, "erased")
    page = LearnerApp(
        state=state, active=2 if join_code else 0,
        sections=[("Cohorts", LearnerCohortsView(state=cohorts)), ("Your data", privacy)],
    )  # fmt: skip
    return guarded(
        identity, page, state, ["submit", "new_quiz", "refresh_profile"],
        parts=[(cohorts, ["join", "leave"]), (privacy.state, ["delete"])],
        final=lambda: goodbye() if privacy.state.erased else ended(),
    )  # fmt: skip


if pn.state.served:
    pn.extension("tabulator", sizing_mode="stretch_width")
    app().servable(title="AI4D learner")
