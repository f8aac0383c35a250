"""The badges: each with its rule, checked on stored evidence, and the evidence that earned it (pure).

Only server-scored evidence counts: an answer "right" has full credit (score 1) from the server's scoring or
an educator's grade; pretest answers and answers awaiting review never count (streak days aside, see
`domain.gamification`). A badge is awarded once per learner; its evidence (item ids, the quiz's id, dates)
is kept with the award.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ai4d_core.domain.gamification import AnswerFact, SessionFact, Streak, level_for
from ai4d_core.domain.mastery import MASTERY_MAX_SE, mastery

HARD_B = 1.0
TOPIC_COUNTS = (5, 10, 25)
STREAK_DAYS = (3, 7, 30)
LEVEL_BADGE = 5
PERFECT_MIN = 5  # a perfect diagnostic needs at least this many scored answers


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything a badge rule may look at, answers in time order."""

    answers: Sequence[AnswerFact]
    sessions: Sequence[SessionFact]
    streak: Streak
    time_zone: str
    total_xp: int
    topics: Sequence[str]  # the topics "all topics" asks for
    now: datetime


Evidence = dict[str, Any]
Rule = Callable[[Facts], Evidence | None]


@dataclass(frozen=True, slots=True)
class Badge:
    id: str
    name: str
    rule: str  # what earns it, as the learner reads it
    check: Rule


def _iso(at: datetime | date | None) -> str | None:
    return at.isoformat() if at is not None else None


def _first_right(f: Facts) -> Evidence | None:
    a = next((a for a in f.answers if a.right), None)
    return None if a is None else {"item_ids": [a.item_id], "session_id": _sid(a.session_id), "at": _iso(a.at)}


def _sid(session_id: uuid.UUID | None) -> str | None:
    return str(session_id) if session_id is not None else None


def _first_quiz(f: Facts) -> Evidence | None:
    done = sorted((s for s in f.sessions if s.status == "finished" and s.ended_at), key=lambda s: s.ended_at or f.now)
    if not done:
        return None
    return {"session_id": str(done[0].id), "mode": done[0].mode, "at": _iso(done[0].ended_at)}


def _perfect_diagnostic(f: Facts) -> Evidence | None:
    by_session: dict[uuid.UUID, list[AnswerFact]] = {}
    for a in f.answers:
        if a.session_id is not None and not a.pretest:
            by_session.setdefault(a.session_id, []).append(a)
    for s in sorted(f.sessions, key=lambda s: s.ended_at or f.now):
        answers = by_session.get(s.id, [])
        finished = s.mode == "diagnostic" and s.status == "finished"
        if finished and len(answers) >= PERFECT_MIN and all(a.right for a in answers):
            return {"session_id": str(s.id), "item_ids": [a.item_id for a in answers], "at": _iso(s.ended_at)}
    return None


def _right_in_topic(n: int) -> Rule:
    def check(f: Facts) -> Evidence | None:
        seen: dict[str, list[AnswerFact]] = {}
        for a in f.answers:
            items = seen.setdefault(a.topic, [])
            if a.right and a.item_id not in {x.item_id for x in items}:
                items.append(a)
                if len(items) == n:
                    return {"topic": a.topic, "item_ids": [x.item_id for x in items], "at": _iso(a.at)}
        return None

    return check


def _mastered(f: Facts) -> Evidence | None:
    for s in f.sessions:
        for topic, theta, se in s.estimates:
            if mastery(theta, se) == "mastered":
                return {"session_id": str(s.id), "topic": topic, "theta": round(theta, 3), "se": round(se, 3),
                        "max_se": MASTERY_MAX_SE}  # fmt: skip
    return None


def _streak_of(n: int) -> Rule:
    def check(f: Facts) -> Evidence | None:
        run = next((r for r in f.streak.runs if len(r.days) >= n), None)
        if run is None:
            return None
        days = run.days[:n]
        frozen = [d for d in run.frozen if d < days[-1]]
        return {"days": [_iso(d) for d in days], "frozen": [_iso(d) for d in frozen], "time_zone": f.time_zone}

    return check


def _all_topics(f: Facts) -> Evidence | None:
    first: dict[str, AnswerFact] = {}
    for a in f.answers:
        if a.counts:
            first.setdefault(a.topic, a)
    if not f.topics or any(t not in first for t in f.topics):
        return None
    return {"item_ids": [first[t].item_id for t in f.topics], "topics": list(f.topics),
            "at": _iso(max(first[t].at for t in f.topics))}  # fmt: skip


def _hard_item(f: Facts) -> Evidence | None:
    a = next((a for a in f.answers if a.right and a.b >= HARD_B), None)
    return None if a is None else {"item_ids": [a.item_id], "b": round(a.b, 3), "at": _iso(a.at)}


def _comeback(f: Facts) -> Evidence | None:
    missed: dict[str, AnswerFact] = {}
    for a in f.answers:
        if a.right and a.item_id in missed:
            return {"item_ids": [a.item_id], "wrong_at": _iso(missed[a.item_id].at), "at": _iso(a.at)}
        if a.counts and a.score is not None and a.score <= 0:
            missed.setdefault(a.item_id, a)
    return None


def _level(f: Facts) -> Evidence | None:
    level = level_for(f.total_xp)
    return {"xp": f.total_xp, "level": level} if level >= LEVEL_BADGE else None


BADGES: tuple[Badge, ...] = (
    Badge("first_right", "First right answer", "Answer a question right (full credit) for the first time.",
          _first_right),
    Badge("first_quiz", "First quiz", "Finish a quiz (diagnostic or practice) to its end.", _first_quiz),
    Badge("perfect_diagnostic", "Perfect diagnostic",
          f"Finish a diagnostic with every scored answer right (at least {PERFECT_MIN} of them).", _perfect_diagnostic),
    *(Badge(f"topic_{n}", f"{n} right in a topic", f"Answer {n} different questions of one topic right.",
            _right_in_topic(n)) for n in TOPIC_COUNTS),
    Badge("mastered_topic", "Topic mastered",
          f"Reach the 'mastered' level in a topic of a quiz, with a standard error of at most {MASTERY_MAX_SE}.",
          _mastered),
    *(Badge(f"streak_{n}", f"{n}-day streak", f"Answer at least one question on {n} days in a row (your time zone; "
            "a freeze bridges one missed day a week).", _streak_of(n)) for n in STREAK_DAYS),
    Badge("all_topics", "Explorer", "Answer a scored question in every one of the twelve topics.", _all_topics),
    Badge("hard_item", "Hard nut", f"Answer a hard question (calibrated difficulty b of at least {HARD_B:g}) right.",
          _hard_item),
    Badge("comeback", "Comeback", "Answer a question right that you had answered wrong before.", _comeback),
    Badge(f"level_{LEVEL_BADGE}", f"Level {LEVEL_BADGE}", f"Reach level {LEVEL_BADGE} (1,000 XP).", _level),
)  # fmt: skip
BY_ID: Mapping[str, Badge] = {b.id: b for b in BADGES}


def earned(facts: Facts, held: set[str] | frozenset[str] = frozenset()) -> dict[str, Evidence]:
    """Badge id -> evidence for every badge the facts earn that is not `held` already."""
    found = {}
    for badge in BADGES:
        if badge.id not in held and (evidence := badge.check(facts)) is not None:
            found[badge.id] = evidence
    return found


__all__ = [
    "BADGES",
    "BY_ID",
    "HARD_B",
    "Badge",
    "Evidence",
    "Facts",
    "earned",
]
