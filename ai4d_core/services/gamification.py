"""XP, levels, badges, streaks and the weekly cohort leaderboard, from stored, server-scored evidence only.

- `award_pending(c, learner_id)`: reads every stored answer of the learner (quiz answers and ingested
  responses with a score), computes what it earns (`domain.gamification`, `domain.badges`) and inserts what is
  not held yet; idempotent and safe under concurrent calls (the ledger's keys: (learner, item) for XP,
  (learner, badge) for badges). Nothing a client sends is read but its answers as the server scored them.
- `award_for_answer(c, answer)`: the same after one stored quiz answer; what that answer earned.
- `progress(c, learner_id) -> Progress`: XP, level, streak, freeze, badges (earned with evidence, and locked).
  The caller passes the signed-in learner's own id.
- `leaderboard(c, viewer, cohort_id) -> Leaderboard`: XP earned this week (answers given from Monday 00:00
  UTC, one boundary for the whole cohort whatever each member's time zone) by the cohort's opted-in learners,
  under their pseudonyms. Only members of the cohort (and admins) may look; a learner sees it once they have
  opted in themselves (the page says how).

Streak days are counted in the learner's time zone (`services.learner_settings`; an unknown name: UTC).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ai4d_core import policy
from ai4d_core.adapters.sql.gamification import ItemMeta, SqlGamificationStore, StoredAnswer
from ai4d_core.adapters.sql.quiz_sessions import AnswerRow
from ai4d_core.bootstrap import Container
from ai4d_core.domain.adaptive import abilities
from ai4d_core.domain.adaptive_state import QuizState
from ai4d_core.domain.badges import BADGES, BY_ID, Facts, earned
from ai4d_core.domain.gamification import (
    AnswerFact,
    SessionFact,
    Streak,
    XpGrant,
    level_for,
    local_day,
    streak,
    xp_grants,
    xp_to_reach,
)
from ai4d_core.domain.item_base import Calibration, irt_parameters
from ai4d_core.domain.topics import TOPICS
from ai4d_core.services import cohorts, learner_settings
from ai4d_core.services.progress_types import EarnedBadge, Progress
from ai4d_core.services.quiz_types import AnswerEffects

log = logging.getLogger(__name__)
MASTERED = "mastered_topic"
WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Awarded:
    """What one reconciliation inserted (a concurrent call's inserts are not repeated here)."""

    grants: tuple[XpGrant, ...] = ()
    badges: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Standing:
    rank: int  # 1 for the most XP; equal XP share a rank
    pseudonym: str
    xp: int
    you: bool


@dataclass(frozen=True, slots=True)
class Leaderboard:
    cohort_id: int
    week_start: datetime
    week_end: datetime
    opted_in: bool  # the viewer (a learner) takes part; False: no standings are shown to them
    standings: tuple[Standing, ...] = ()


# ------------------------------------------------------------------------------------------------ helpers


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r: streaks counted in UTC", name)
        return ZoneInfo("UTC")


def _store(c: Container) -> SqlGamificationStore:
    return SqlGamificationStore(c.engine)


def _b(meta: ItemMeta) -> float:
    _, b = irt_parameters(Calibration.model_validate(meta.calibration or {}), meta.difficulty)
    return float(b)


def _facts(stored: Sequence[StoredAnswer], meta: dict[str, ItemMeta]) -> list[AnswerFact]:
    b = {item_id: _b(m) for item_id, m in meta.items()}
    return [
        AnswerFact(a.key, a.item_id, meta[a.item_id].topic, b[a.item_id], a.score, a.pretest, a.at, a.session_id)
        for a in stored
        if a.item_id in meta
    ]


def _estimates(state: dict[str, Any] | None) -> tuple[tuple[str, float, float], ...]:
    if not state:
        return ()
    try:
        found = abilities(QuizState.from_dict(state))
    except (ValueError, KeyError, TypeError):  # a state of an older format: no estimates to read
        return ()
    return tuple((topic, a.theta, a.se) for topic, a in found.items())


def week_of(now: datetime) -> tuple[datetime, datetime]:
    """The leaderboard's week around `now`: Monday 00:00 UTC to the next Monday 00:00 UTC."""
    day = now.astimezone(UTC).date()
    start = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(days=day.weekday())
    return start, start + WEEK


# ------------------------------------------------------------------------------------------------ awards


def award_pending(
    c: Container, learner_id: int, *, now: datetime | None = None, session_id: uuid.UUID | None = None
) -> Awarded:
    """Grant whatever the learner's stored evidence earns and is not held yet (see the module docstring).

    `session_id` limits the (costlier) mastery check to that quiz; without it every quiz is checked.
    """
    return _award(c, learner_id, now or datetime.now(UTC), session_id)[0]


def _award(c: Container, learner_id: int, now: datetime, session_id: uuid.UUID | None) -> tuple[Awarded, Progress]:
    """`award_pending`, and the progress it leaves (from the same reading of the learner's evidence)."""
    store = _store(c)
    snap = store.snapshot(learner_id, states=True, only=session_id)
    facts = _facts(snap.answers, snap.items)
    grants = xp_grants(facts, snap.xp_held)
    held = {b.badge for b in snap.badges}
    states = snap.states if MASTERED not in held else {}
    sessions = [SessionFact(s.id, s.mode, s.status, s.ended_at, _estimates(states.get(s.id))) for s in snap.sessions]
    settings = learner_settings.get(c, learner_id)
    tz = _zone(settings.time_zone)
    today = local_day(now, tz)
    days = streak([local_day(a.at, tz) for a in facts if a.score is not None], today)
    total = sum(snap.xp_held.values()) + sum(g.xp for g in grants)  # ours or a concurrent call's: held either way
    found = earned(Facts(facts, sessions, days, settings.time_zone, total, TOPICS, now), held)
    new_grants, new_badges = store.save(learner_id, grants, found)
    rows = [(r.badge, r.evidence, r.awarded_at) for r in snap.badges]
    rows += [(b, evidence, now) for b, evidence in found.items()]  # inserted now, or by a concurrent call
    start, end = week_of(now)
    s = streak([local_day(a.at, tz) for a in snap.answers if a.score is not None], today)  # as `progress` counts
    progress = _progress(total, s, store.weekly_xp([learner_id], start, end).get(learner_id, 0), rows, settings)
    return Awarded(tuple(new_grants), tuple(new_badges)), progress


def award_for_answer(c: Container, answer: AnswerRow) -> AnswerEffects:
    """What one stored quiz answer earned (its XP: first positive score on the item; the badges it brought) and
    the learner's progress after it."""
    done, progress = _award(c, answer.learner_id, datetime.now(UTC), answer.session_id)
    key = f"quiz:{answer.session_id}:{answer.position}"
    return AnswerEffects(
        xp=sum(g.xp for g in done.grants if g.source == key),
        badges=tuple(BY_ID[b].name for b in done.badges),
        progress=progress,
    )


def _progress(
    xp: int, s: Streak, week_xp: int, badge_rows: Sequence[tuple[str, dict[str, Any], datetime]],
    settings: learner_settings.LearnerSettings,
) -> Progress:  # fmt: skip
    level = level_for(xp)
    badges = tuple(
        EarnedBadge(badge, BY_ID[badge].name, BY_ID[badge].rule, evidence, at)
        for badge, evidence, at in badge_rows
        if badge in BY_ID
    )
    held = {b.id for b in badges}
    return Progress(
        xp, level, xp_to_reach(level), xp_to_reach(level + 1), s.current, s.freeze_available, week_xp, badges,
        tuple(b for b in BADGES if b.id not in held), settings.time_zone,
    )  # fmt: skip


# ------------------------------------------------------------------------------------------------ reading


def progress(c: Container, learner_id: int, *, now: datetime | None = None) -> Progress:
    """The learner's XP, level, streak and badges (read only: `award_pending` grants)."""
    store = _store(c)
    now = now or datetime.now(UTC)
    settings = learner_settings.get(c, learner_id)
    tz = _zone(settings.time_zone)
    snap = store.snapshot(learner_id)
    s = streak([local_day(a.at, tz) for a in snap.answers if a.score is not None], local_day(now, tz))
    start, end = week_of(now)
    week_xp = store.weekly_xp([learner_id], start, end).get(learner_id, 0)
    rows = [(r.badge, r.evidence, r.awarded_at) for r in snap.badges]
    return _progress(sum(snap.xp_held.values()), s, week_xp, rows, settings)


def leaderboard(
    c: Container, viewer: policy.Principal | None, cohort_id: int, *, now: datetime | None = None
) -> Leaderboard:
    """This week's XP of the cohort's opted-in learners (see the module docstring)."""
    who = policy.require(viewer)
    members = cohorts.store(c).members(cohort_id)
    if who.role != policy.ADMIN and who.id not in {m.user_id for m in members}:
        raise policy.Forbidden(policy.NOT_YOURS)
    start, end = week_of(now or datetime.now(UTC))
    if who.role == policy.LEARNER and not learner_settings.get(c, who.id).leaderboard_opt_in:
        return Leaderboard(cohort_id, start, end, False)
    taking_part = learner_settings.leaderboard_names(c, [m.user_id for m in members if m.role == policy.LEARNER])
    xp = _store(c).weekly_xp(taking_part, start, end)
    order = sorted(taking_part, key=lambda uid: (-xp.get(uid, 0), taking_part[uid]))
    standings, rank, last = [], 0, None
    for n, uid in enumerate(order, start=1):
        if xp.get(uid, 0) != last:
            rank, last = n, xp.get(uid, 0)
        standings.append(Standing(rank, taking_part[uid], xp.get(uid, 0), uid == who.id))
    return Leaderboard(cohort_id, start, end, True, tuple(standings))


__all__ = [
    "Awarded",
    "EarnedBadge",
    "Leaderboard",
    "Progress",
    "Standing",
    "award_for_answer",
    "award_pending",
    "leaderboard",
    "progress",
    "week_of",
]
