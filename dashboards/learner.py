# Panel's constructors take untyped **params:
# mypy: disable-error-code="no-untyped-call"
"""The learner dashboard (`/learner`): the quiz one question at a time, its history, the profile, badges (with
XP, level and streak in the header), cohorts, settings and the learner's data, in `learner_layout.LearnerLayout`.

Each section is a state object that calls the core services (driven headless in tests) and a view that lays
it out: `quiz_page`, `history_page`, `profile_page`, `badges_page`, `cohort_views`, `settings_page`,
`privacy_views`.
"""

from __future__ import annotations

import panel as pn

from dashboards.badges_page import BadgesState, BadgesView, HeaderStatus
from dashboards.badges_page import connect as connect_badges
from dashboards.cohort_views import LearnerCohortsState, LearnerCohortsView, join_code_from_request
from dashboards.common import container, current_identity, ended, guarded, header, home_path
from dashboards.history_page import HistoryState, HistoryView
from dashboards.learner_layout import LEARNER_CSS, LearnerLayout, use_phone_template
from dashboards.privacy_views import PrivacyView, goodbye
from dashboards.profile_page import ProfileState, ProfileView, connect
from dashboards.quiz_page import QuizState
from dashboards.quiz_view import QuizView
from dashboards.settings_page import GUARDED_ACTIONS as SETTINGS_ACTIONS
from dashboards.settings_page import SettingsState, SettingsView

SECTIONS = ("Quiz", "History", "Profile", "Badges", "Cohorts", "Settings", "Your data")
FOR_LEARNERS = (
    "The quizzes, profile and badges here are for learners' accounts. Yours is the [{app} dashboard]({path})."
)


def section_from_request() -> str:
    """The section a link asks for (`?section=profile`, as the profile-ready e-mail links), else Quiz."""
    raw = (pn.state.session_args.get("section") or [b""])[0]
    wanted = (raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)).strip().lower()
    return next((name for name in SECTIONS if name.lower() == wanted), "Quiz")


def app() -> pn.viewable.Viewable:
    """The page for the session resolved on the server for this request (served by `dashboards.serve`)."""
    identity = current_identity()
    if identity is None:
        return ended()
    if identity.user.role != "learner":  # an educator or admin who typed the address: where to go, not an error
        path = home_path(identity.user.role)
        return pn.Column(
            header("AI4D learner", identity.user),
            pn.pane.Markdown(FOR_LEARNERS.format(app=path.strip("/"), path=path), css_classes=["ai4d-empty"]),
            sizing_mode="stretch_width", max_width=1000, styles={"margin": "0 auto"},
        )  # fmt: skip
    use_phone_template()
    c = container()
    quiz = QuizState(container=c, identity=identity)
    history = HistoryState(container=c, identity=identity)
    profile = ProfileState(container=c, identity=identity)
    join_code = join_code_from_request()
    cohorts = LearnerCohortsState(container=c, identity=identity, join_code=join_code)
    badges = BadgesState(container=c, identity=identity)
    settings = SettingsState(container=c, identity=identity)
    privacy = PrivacyView.for_page(c, identity)
    privacy.state.param.watch(lambda event: privacy.state.param.update(ended=True) if event.new else None, "erased")
    page = LearnerLayout(
        user=identity.user, active="Cohorts" if join_code else section_from_request(),
        status=HeaderStatus(state=badges),
        sections=list(zip(SECTIONS, [QuizView(state=quiz), HistoryView(state=history), ProfileView(state=profile),
                                     BadgesView(state=badges), LearnerCohortsView(state=cohorts),
                                     SettingsView(state=settings), privacy],
                          strict=True)),
    )  # fmt: skip
    connect(profile, quiz, page)  # next steps open a quiz; new profile versions show by themselves
    connect_badges(badges, quiz, page)  # the header's XP, level and streak follow each answer
    settings.param.watch(lambda event: badges.load(), "saved")  # a new time zone or opt-in shows at once
    # Opening History shows the answers just given.
    page.param.watch(lambda event: history.load() if event.new == "History" else None, "active")
    return guarded(
        identity, page, quiz, ["start", "submit", "next", "finish", "new_quiz", "abandon", "keep"],
        parts=[(history, ["refresh"]), (profile, ["refresh", "ask_review", "opened", "launch"]),
               (cohorts, ["join", "leave"]), (settings, SETTINGS_ACTIONS), (privacy.state, ["delete"])],
        final=lambda: goodbye() if privacy.state.erased else ended(),
    )  # fmt: skip


if pn.state.served:
    pn.extension("tabulator", "codeeditor", sizing_mode="stretch_width", raw_css=[LEARNER_CSS])
    app().servable(title="AI4D learner")
