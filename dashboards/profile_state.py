# Panel's constructors take untyped **params:
# mypy: disable-error-code="no-untyped-call"
"""The learner's Profile section, its state: the latest profile, ability over its versions, the learner's time
zone, the evidence item opened, the next step chosen and the review request (`services.profile_view`,
`services.profile_review`); `profile_page.ProfileView` lays it out.

The page updates by itself: every `CHECK_SECONDS` a periodic callback asks, off the event loop, for the newest
version number only (`profile_view.latest_version`) and reloads when it has grown. A next step's button sets
`launch`; `connect` makes that open a practice (or a diagnostic) in the Quiz section.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import param

from ai4d_core.domain.profile import NextStep, Profile
from ai4d_core.policy import Forbidden
from ai4d_core.services import profile_review, profile_view
from ai4d_core.services.profile_view import AbilityPoint, EvidenceItem
from dashboards.cohort_views import PageState
from dashboards.page_session import poll_off_loop
from dashboards.profile_html import read_profile, topic_label

log = logging.getLogger(__name__)
NO_PROFILE = "Your profile will appear after the next analysis run."
CHECK_SECONDS = 10.0
NO_TOPIC_QUESTIONS = "There are no questions on {topic} yet: a diagnostic over every topic is ready instead."
REVIEW_ASKED = "Your request is with your educators: they will look at this profile."


class ProfileState(PageState):
    """The signed-in learner's profile as the page shows it (None before the first analysis)."""

    profile = param.Dict(default=None, allow_None=True, doc="the latest profile document as stored")
    points = param.List(default=[], item_type=AbilityPoint, doc="ability per topic in each version")
    zone = param.String(default="UTC", doc="the learner's IANA time zone")
    opened = param.String(default="", doc="the evidence shown: '<claim key>/<item id>' ('' none)")
    evidence = param.ClassSelector(class_=EvidenceItem, allow_None=True)
    evidence_error = param.String(default="", doc="why the evidence opened cannot be shown")
    launch = param.ClassSelector(class_=NextStep, allow_None=True, doc="the next step chosen (`connect` opens it)")
    note = param.String(default="", label="Anything your educator should know (optional)")
    review = param.String(default="", doc="the review request's state, in words")
    refresh = param.Event(label="Refresh profile")
    ask_review = param.Event(label="Ask for a review")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._loading = threading.Lock()  # a Refresh click and the periodic check run on different threads
        self.load()

    @property
    def model(self) -> Profile | None:
        """The profile read as the v2 model (v1 documents too); None before the first or if unreadable."""
        return read_profile(self.profile) if self.profile else None

    @property
    def version(self) -> int:
        return int(self.profile["version"]) if self.profile else 0

    @param.depends("refresh", watch=True)
    def load(self) -> None:
        with self._loading:
            self._load()

    def _load(self) -> None:
        """Read the latest profile; the section is rebuilt only when something it shows has changed, so a
        Refresh that brings nothing new (or the same version twice) never drops a button being clicked."""
        if not self._alive():
            return
        c, user = self.container, self.user
        profile, points = profile_view.latest_profile(c, user), profile_view.ability_history(c, user)
        zone, review = profile_view.time_zone(c, user), _review_state(self)
        if (profile, points, zone) == (self.profile, self.points, self.zone):
            self.review = review
            return
        self.param.update(
            profile=profile, points=points, zone=zone, opened="", evidence=None, evidence_error="", review=review
        )

    def check_for_new(self) -> bool:
        """Reload if a newer version has landed (a round trip for the version number only); True if it did.

        A Refresh may have shown that version while the number was on its way: then nothing is reloaded, since
        a second rebuild of the section would drop a button the learner is clicking."""
        if self.ended:
            return False
        latest = profile_view.latest_version(self.container, self.user)
        with self._loading:
            if latest <= self.version:
                return False
            self._load()
        return True

    def open_evidence(self, key: str) -> None:
        """Show the evidence `key` ('<claim>/<item id>'), or hide it when it is the one shown."""
        if key == self.opened:
            self.param.update(opened="", evidence=None, evidence_error="")
            return
        if not self._alive():
            return
        try:
            item = profile_view.evidence_item(self.container, self.user, key.split("/", 1)[1])
        except (LookupError, Forbidden) as exc:
            self.param.update(opened=key, evidence=None, evidence_error=str(exc))
            return
        self.param.update(opened=key, evidence=item, evidence_error="")

    def choose(self, step: NextStep) -> None:
        if self._alive():
            self.launch = step

    @param.depends("ask_review", watch=True)
    def _ask_review(self) -> None:
        if not self._alive():
            return
        try:
            profile_review.request_review(self.container, self.user, self.note, source="learner page")
        except (ValueError, Forbidden) as exc:
            self.message = str(exc)
            return
        self.param.update(note="", review=REVIEW_ASKED, message="")


def _review_state(state: ProfileState) -> str:
    try:
        return REVIEW_ASKED if profile_review.my_request(state.container, state.user) else ""
    except Forbidden:  # not a learner (an admin trying the page): no requests
        return ""


def connect(profile: ProfileState, quiz: Any, layout: Any) -> None:
    """A next step opens in the Quiz section: a practice on its topic (a diagnostic when the step has none or
    the topic has no questions); a quiz in progress is not abandoned without asking (the quiz's own question).
    Also starts the periodic check for new versions (inside a served document only)."""

    def opened(event: Any) -> None:
        step: NextStep | None = event.new
        if step is None:
            return
        profile.launch = None
        practice = step.mode == "practice" and step.topic in quiz.topics
        if practice:
            quiz.param.update(mode="practice", practice_topic=step.topic)
        else:
            quiz.param.update(mode="diagnostic", chosen=[])
        layout.active = "Quiz"
        if quiz.in_progress:
            quiz.confirming = True
        else:
            quiz.param.update(turn=None, question=None, result=None, summary=None)
            quiz.param.trigger("start")
        if not practice and step.topic is not None:  # said after the start, which clears the quiz's message
            quiz.message = NO_TOPIC_QUESTIONS.format(topic=topic_label(step.topic))

    profile.param.watch(opened, "launch")
    watch_new_versions(profile)


def watch_new_versions(state: ProfileState, seconds: float = CHECK_SECONDS) -> None:
    """Check for a new profile version every `seconds`, off the event loop (served documents only)."""
    poll_off_loop(state.check_for_new, lambda: state.ended, seconds, "profile version check")


__all__ = ["CHECK_SECONDS", "NO_PROFILE", "ProfileState", "connect", "watch_new_versions"]
