"""The quiz's seam to the adaptive engine (`domain.adaptive`): the item pool, the plan, the next item.

- Pool: the latest version of every active item, with 2PL a and b from `item.calibration` once it rests on
  responses (`n_responses > 0`), else a = 1 and b = the item's difficulty; and of every provisional item, as an
  unscored pretest item (never moving an estimate). Items in review or retired are not asked.
- Plan: "diagnostic" over the topics picked (or every topic with active items), "practice" on exactly one.
- Next item: the learner's recent item ids (newest first) may not come back; when that window alone would
  leave a topic with nothing to ask, it is halved until it does not (so a small bank stays usable).
"""

from __future__ import annotations

from collections.abc import Sequence

from ai4d_core.adapters.sql.quiz_sessions import PoolRow
from ai4d_core.domain.adaptive import ItemPool, PoolItem, QuizPlan, QuizState, next_item, stop_reason
from ai4d_core.services.quiz_types import QuizError

MODES = ("diagnostic", "practice")


def pool_of(rows: Sequence[PoolRow]) -> tuple[ItemPool, dict[str, int]]:
    """The adaptive pool of the bank's rows, and each pooled item's version."""
    items, versions = [], {}
    for row in rows:
        calibration = row.calibration or {}
        calibrated = int(calibration.get("n_responses") or 0) > 0
        a = float(calibration.get("discrimination", 1.0)) if calibrated else 1.0
        b = float(calibration.get("difficulty", row.difficulty)) if calibrated else float(row.difficulty)
        items.append(PoolItem(row.id, row.topic, row.type, a, b, pretest=row.status == "provisional"))
        versions[row.id] = row.version
    return ItemPool(items), versions


def next_in(state: QuizState, pool: ItemPool, recent: Sequence[str]) -> tuple[PoolItem | None, Sequence[str]]:
    """The next item (None: the quiz is over) and the no-repeat window it was chosen with."""
    while True:
        item = next_item(state, pool, recent)
        if item is not None or not recent or stop_reason(state, pool, recent) != "pool_exhausted":
            return item, recent
        recent = recent[: len(recent) // 2]


def plan_for(mode: str, topics: Sequence[str] | None, available: Sequence[str]) -> QuizPlan:
    """The plan of a new quiz; `QuizError` for an unknown mode or topic, or a practice without one topic."""
    if mode not in MODES:
        raise QuizError("Choose a diagnostic or a practice quiz.")
    chosen = list(dict.fromkeys(topics)) if topics else []
    if missing := [t for t in chosen if t not in available]:
        raise QuizError(f"There are no questions on {', '.join(missing)} yet.")
    if mode == "practice":
        if len(chosen) != 1:
            raise QuizError("Pick one topic to practise.")
        return QuizPlan.practice(chosen[0])
    if not (chosen or available):
        raise QuizError("There are no questions yet.")
    return QuizPlan.diagnostic(chosen or sorted(available))


__all__ = ["MODES", "next_in", "plan_for", "pool_of"]
