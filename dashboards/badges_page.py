# Panel's constructors take untyped **params:
# mypy: disable-error-code="no-untyped-call"
"""The learner's Badges section, the XP/level/streak line of the header, and the notice after an answer.

`BadgesState` reads `services.gamification` (it reconciles pending awards once, when the page opens, then reads):
the header line and the section follow its `progress`; `connect(badges, quiz, page)` refreshes it after each
stored answer and when the section opens. Everything shown is escaped text; other learners appear only under
their pseudonyms, on the leaderboard of a cohort the learner is in, once they opted in (Settings).
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import panel as pn
import param
from panel.viewable import Viewer
from param.parameters import NoNone

from ai4d_core.services import cohorts, gamification
from ai4d_core.services.gamification import EarnedBadge, Leaderboard, Progress
from ai4d_core.services.quiz_types import Answered, AnswerEffects
from dashboards.cohort_views import PageState
from dashboards.common import markdown
from dashboards.quiz_text import escaped

OPT_IN = (
    "The weekly leaderboard of your cohorts shows the XP each learner who joined it earned this week (from Monday "
    "00:00 UTC), under a pseudonym, never a name. Turn it on in **Settings** to take part and see it."
)
NO_COHORT = "You are in no cohort yet: the weekly leaderboard is per cohort."
NOTICE_CSS = ":host { border-left: 4px solid #0b5394; padding-left: 8px; } p { color: #0b3d6e; font-weight: 600; }"


def earned_html(effects: AnswerEffects) -> str:
    """ "+N XP" and "Badge earned: ..." after an answer, announced by screen readers (`role="status"`); "" when
    the answer earned nothing."""
    parts = [f"+{effects.xp} XP"] if effects.xp else []
    parts += [f"Badge earned: {name}" for name in effects.badges]
    return f'<p role="status">{" · ".join(html.escape(p) for p in parts)}</p>' if parts else ""


def status_line(p: Progress | None, *, short: bool = False) -> str:
    """Level, XP and streak; in full (not `short`) also the XP to the next level and the week's freeze. The
    header takes the short line, which fits a 390 px phone on one line."""
    if p is None:
        return ""
    days = "day" if p.streak_days == 1 else "days"
    if short:
        return f"**Level {p.level}** · {p.xp} XP · Streak: {p.streak_days} {days}"
    freeze = "freeze available" if p.freeze_available else "freeze used this week"
    return (
        f"**Level {p.level}** · {p.xp} XP ({p.next_level_xp - p.xp} to level {p.level + 1}) · "
        f"Streak: {p.streak_days} {days} ({freeze})"
    )


def _when(at: object, zone: ZoneInfo) -> str:
    try:
        return datetime.fromisoformat(str(at)).astimezone(zone).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(at)


def evidence_text(evidence: dict[str, Any], time_zone: str) -> str:
    """What earned a badge, in words: questions, quiz, topic, days and dates (in the learner's time zone)."""
    zone = ZoneInfo(time_zone)
    parts = []
    if evidence.get("item_ids"):
        parts.append("questions " + ", ".join(escaped(i) for i in evidence["item_ids"]))
    if evidence.get("topic"):
        parts.append(f"topic {escaped(evidence['topic'])}")
    if "theta" in evidence:
        parts.append(f"ability {float(evidence['theta']):+.2f}, std. error {float(evidence['se']):.2f}")
    if evidence.get("session_id"):
        parts.append(f"quiz {escaped(str(evidence['session_id'])[:8])}")
    if evidence.get("days"):
        parts.append("days " + ", ".join(escaped(d) for d in evidence["days"]))
    if evidence.get("frozen"):
        parts.append("bridged by a freeze: " + ", ".join(escaped(d) for d in evidence["frozen"]))
    if "xp" in evidence:
        parts.append(f"{int(evidence['xp'])} XP")
    if evidence.get("at"):
        parts.append(f"on {escaped(_when(evidence['at'], zone))}")
    return "; ".join(parts)


class BadgesState(PageState):
    """The learner's progress and badges, and the leaderboards of their cohorts."""

    progress = param.ClassSelector(class_=Progress, allow_None=True)
    boards = param.List(default=[], doc="(cohort name, Leaderboard) per cohort the learner is in")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.load(reconcile=True)

    def load(self, reconcile: bool = False, boards: bool = True) -> None:
        """Read progress (after granting what stored evidence earned, with `reconcile`) and the leaderboards."""
        if not self._alive():
            return
        if reconcile:  # answers ingested or graded since: what they earned is granted now
            gamification.award_pending(self.container, self.user.id)
        self.progress = gamification.progress(self.container, self.user.id)
        if not boards:
            return
        mine = [m for m in cohorts.my_cohorts(self.container, self.user) if m.role == "learner"]
        self.boards = [(m.name, gamification.leaderboard(self.container, self.user, m.cohort_id)) for m in mine]

    def after(self, result: Answered | None) -> None:
        """After an answer: the header follows (a duplicate answer changed nothing), from the progress the answer's
        awards computed when they did (no second reading of every answer)."""
        if result is None or result.duplicate:
            return
        if result.effects.progress is not None:
            self.progress = result.effects.progress
        else:
            self.load(boards=False)  # the leaderboards are read again when the section opens


def _board(name: str, board: Leaderboard) -> str:
    head = f"#### {escaped(name)}: week of {board.week_start:%Y-%m-%d}"
    if not board.standings:
        return f"{head}\n\nNobody has joined this cohort's leaderboard yet."
    rows = "\n".join(
        f"| {s.rank} | {escaped(s.pseudonym)}{' (you)' if s.you else ''} | {s.xp} |" for s in board.standings
    )
    return f"{head}\n\n| Rank | Learner | XP this week |\n|---|---|---|\n{rows}"


def _earned(b: EarnedBadge, time_zone: str) -> str:
    return f"- **{escaped(b.name)}**: {escaped(b.rule)} Earned with {evidence_text(b.evidence, time_zone)}."


class HeaderStatus(Viewer):
    """The header's XP, level and streak, following the state."""

    state = param.ClassSelector(class_=BadgesState, allow_None=NoNone)

    @param.depends("state.progress")
    def _line(self) -> pn.pane.Markdown:
        return markdown(status_line(self.state.progress, short=True), css_classes=["ai4d-status"], margin=(0, 10))

    def __panel__(self) -> pn.Column:
        return pn.Column(self._line, margin=0)


class BadgesView(Viewer):
    """Progress, earned badges with their evidence, locked badges with their rule, the weekly leaderboards."""

    state = param.ClassSelector(class_=BadgesState, allow_None=NoNone)

    @param.depends("state.progress", "state.boards")
    def _content(self) -> pn.viewable.Viewable:
        p = self.state.progress
        if p is None:
            return markdown(self.state.message)
        earned = "\n".join(_earned(b, p.time_zone) for b in p.badges) or "_No badge yet: answer a question right._"
        locked = "\n".join(f"- **{escaped(b.name)}**: {escaped(b.rule)}" for b in p.locked) or "_Every badge earned._"
        if not self.state.boards:
            boards = NO_COHORT
        elif not all(board.opted_in for _, board in self.state.boards):
            boards = OPT_IN
        else:
            boards = "\n\n".join(_board(name, board) for name, board in self.state.boards)
        return pn.Column(
            markdown(f"{status_line(p)}\n\n{p.week_xp} XP this week. XP comes once per question, for your first "
                     "answer with credit, more for harder questions; a day counts for your streak when you answer "
                     f"at least one question that day ({escaped(p.time_zone)} time); one missed day a week is "
                     "bridged by a freeze.", css_classes=["ai4d-badges-progress"]),
            markdown(f"### Earned\n{earned}", css_classes=["ai4d-badges-earned"]),
            markdown(f"### Still to earn\n{locked}", css_classes=["ai4d-badges-locked"]),
            markdown(f"### Weekly leaderboard\n\n{boards}", css_classes=["ai4d-leaderboard"]),
            sizing_mode="stretch_width",
        )  # fmt: skip

    def __panel__(self) -> pn.Column:
        return pn.Column(self._content, sizing_mode="stretch_width")


def connect(badges: BadgesState, quiz: param.Parameterized, page: param.Parameterized) -> None:
    """Refresh after each stored answer (`quiz.result`) and when the Badges section opens (`page.active`)."""
    quiz.param.watch(lambda event: badges.after(event.new), "result")
    page.param.watch(lambda event: badges.load() if event.new == "Badges" else None, "active")


__all__ = [
    "NO_COHORT",
    "OPT_IN",
    "BadgesState",
    "BadgesView",
    "HeaderStatus",
    "connect",
    "earned_html",
    "evidence_text",
    "status_line",
]
