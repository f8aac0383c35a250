"""XP, levels and daily streaks, computed from stored, server-scored evidence only (pure; DESIGN §6).

XP. Each item earns XP once per learner, ever: for the first answer to it with a positive score, that is not a
pretest item and not awaiting review, `xp_for(b, score) = max(1, round(10 * (1 + clamp(b, 0, 3)) * score))`:
10 XP for an easy item (b <= 0, the scale's average) up to 40 for b >= 3, partial credit pro rata. b is the
item's calibrated difficulty (`item_base.irt_parameters`: the author's estimate until a calibration ran). Later
answers to the same item earn nothing, in the same quiz, a later quiz or a replayed submission: a window of
"ever" rather than 30 days, because a practice quiz brings items back and every re-answer after a window
would be farmable; the store's key (learner, item) enforces it.

Levels. Level n needs `xp_to_reach(n) = 50 * n * (n - 1)` XP: 0, 100, 300, 600, 1000... each level asks 100
XP more than the one before (ten easy first-right answers for level 2).

Streaks. A day counts when at least one of the learner's answers was scored that local day (in their IANA time
zone; pretest answers count, answers awaiting review do not). The streak is the number of counted days in an
unbroken chain ending today or yesterday (today is not over). A single missed day is bridged by a freeze, at
most one freeze per ISO week (Monday-Sunday, of the missed day); two missed days in a row, or a second missed
day in the same week, break the chain. Frozen days keep the chain but add nothing to its length.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

XP_BASE = 10
MAX_B = 3.0  # difficulty above this earns no more (a mis-calibrated item cannot hand out huge XP)
LEVEL_STEP = 50
RIGHT = 1.0 - 1e-9  # full credit (scores are fractions; a float may miss 1.0 by an ulp)


@dataclass(frozen=True, slots=True)
class AnswerFact:
    """One stored answer as the awards see it."""

    key: str  # "quiz:<session>:<position>" or "response:<attempt>:<item>": the source of an award
    item_id: str
    topic: str
    b: float  # the item's calibrated difficulty
    score: float | None  # None: awaiting review
    pretest: bool
    at: datetime  # server time of the answer (never a client's claim)
    session_id: uuid.UUID | None = None

    @property
    def counts(self) -> bool:
        """Scored, and not a pretest item: evidence for XP and badges."""
        return self.score is not None and not self.pretest

    @property
    def right(self) -> bool:
        return self.counts and self.score is not None and self.score >= RIGHT


@dataclass(frozen=True, slots=True)
class SessionFact:
    """A quiz session: how it ended, and its per-topic estimates (topic, theta, se) when asked for."""

    id: uuid.UUID
    mode: str
    status: str
    ended_at: datetime | None
    estimates: tuple[tuple[str, float, float], ...] = ()


def xp_for(b: float, score: float) -> int:
    """XP of a first answer with `score` (in (0, 1]) to an item of difficulty `b`; 0 for no positive score."""
    if not score > 0:
        return 0
    weight = 1.0 + min(MAX_B, max(0.0, b))
    return max(1, round(XP_BASE * weight * min(1.0, score)))


@dataclass(frozen=True, slots=True)
class XpGrant:
    """XP an item earned a learner, from the answer `source` (its `AnswerFact.key`)."""

    item_id: str
    xp: int
    score: float
    b: float
    source: str
    answered_at: datetime


def xp_grants(answers: Sequence[AnswerFact], held: Iterable[str] = ()) -> list[XpGrant]:
    """The XP the answers (in time order) earn on items not in `held` (items that earned XP already)."""
    done = set(held)
    grants = []
    for a in answers:
        if a.item_id in done or not a.counts or a.score is None or not a.score > 0:
            continue
        done.add(a.item_id)
        grants.append(XpGrant(a.item_id, xp_for(a.b, a.score), a.score, a.b, a.key, a.at))
    return grants


def xp_to_reach(level: int) -> int:
    """The total XP at which `level` (from 1) starts."""
    return LEVEL_STEP * level * (level - 1)


def level_for(xp: int) -> int:
    """The level a total of `xp` reaches (1 at 0 XP)."""
    n = max(1, int((1 + math.sqrt(1 + 4 * max(0, xp) / LEVEL_STEP)) / 2))
    while xp_to_reach(n + 1) <= xp:  # guard float rounding at the boundaries
        n += 1
    while n > 1 and xp_to_reach(n) > xp:
        n -= 1
    return n


def local_day(at: datetime, tz: ZoneInfo) -> date:
    """The learner's calendar day of a server instant (timezone-aware)."""
    return at.astimezone(tz).date()


def iso_week(day: date) -> tuple[int, int]:
    year, week, _ = day.isocalendar()
    return year, week


@dataclass(frozen=True, slots=True)
class Run:
    """A chain of counted days (`days`, in order) with the missed days bridged by a freeze (`frozen`)."""

    days: tuple[date, ...]
    frozen: tuple[date, ...] = ()


@dataclass(frozen=True, slots=True)
class Streak:
    current: int  # counted days of the chain ending today or yesterday (0: none)
    freeze_available: bool  # no freeze used yet in today's ISO week
    runs: tuple[Run, ...] = field(default_factory=tuple)  # every chain, oldest first
    today: date | None = None

    @property
    def longest(self) -> int:
        return max((len(r.days) for r in self.runs), default=0)


def streak(days: Iterable[date], today: date) -> Streak:
    """The streak on `today` of the counted `days` (see the module docstring; days after today are ignored)."""
    ordered = sorted({d for d in days if d <= today})
    used: set[tuple[int, int]] = set()
    runs: list[Run] = []
    chain: list[date] = []
    frozen: list[date] = []
    for d in ordered:
        if chain:
            gap = (d - chain[-1]).days
            missed = chain[-1] + timedelta(days=1)
            if gap == 2 and iso_week(missed) not in used:
                used.add(iso_week(missed))
                frozen.append(missed)
            elif gap > 1:
                runs.append(Run(tuple(chain), tuple(frozen)))
                chain, frozen = [], []
        chain.append(d)
    current = 0
    if chain:
        runs.append(Run(tuple(chain), tuple(frozen)))
        gap = (today - chain[-1]).days
        yesterday = today - timedelta(days=1)
        if gap <= 1:
            current = len(chain)
        elif gap == 2 and iso_week(yesterday) not in used:  # yesterday missed: this week's freeze holds it
            used.add(iso_week(yesterday))
            current = len(chain)
    return Streak(current, iso_week(today) not in used, tuple(runs), today)


__all__ = [
    "LEVEL_STEP",
    "MAX_B",
    "RIGHT",
    "XP_BASE",
    "AnswerFact",
    "Run",
    "SessionFact",
    "Streak",
    "XpGrant",
    "iso_week",
    "level_for",
    "local_day",
    "streak",
    "xp_for",
    "xp_grants",
    "xp_to_reach",
]
