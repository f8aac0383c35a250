"""What the learner's progress reads as (XP, level, streak, badges): `services.gamification` computes it, and an
answer's `AnswerEffects` carries it, so the page's header follows an answer without reading it all again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ai4d_core.domain.badges import Badge


@dataclass(frozen=True, slots=True)
class EarnedBadge:
    id: str
    name: str
    rule: str
    evidence: dict[str, Any]
    awarded_at: datetime


@dataclass(frozen=True, slots=True)
class Progress:
    xp: int
    level: int
    level_xp: int  # the XP at which this level started
    next_level_xp: int  # the XP at which the next level starts
    streak_days: int
    freeze_available: bool  # this ISO week's freeze is still unused
    week_xp: int  # XP of answers given this week (the leaderboard's week)
    badges: tuple[EarnedBadge, ...] = ()
    locked: tuple[Badge, ...] = ()
    time_zone: str = "UTC"


__all__ = ["EarnedBadge", "Progress"]
