"""The quiz's seam to the adaptive engine (`domain.adaptive`): the item pool, the plan, the next item.

- Pool: the latest version of every active item, with 2PL a and b from `item.calibration` once a calibration
  wrote them (`item_base.irt_parameters`), else a = 1 and b = the item's difficulty; and of every provisional
  item, as an unscored pretest item (never moving an estimate). Items in review or retired are not asked.
- Plan: "diagnostic" over the topics picked (or every topic with active items), "practice" on exactly one.
- Next item: items asked in more than `QuizPlan.max_exposure` of the last quizzes are passed over while
  others remain (exposure control, rates from `quiz_sessions.exposure_rates`); the learner's recent item ids
  (newest first) may not come back; when that window alone would leave a topic with nothing to ask, it is
  halved until it does not (so a small bank stays usable).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ai4d_core.adapters.sql.quiz_sessions import PoolRow
from ai4d_core.domain.adaptive import ItemPool, PoolItem, QuizPlan, QuizState, next_item, stop_reason
from ai4d_core.domain.item_base import Calibration, irt_parameters
from ai4d_core.services.quiz_types import QuizError

MODES = ("diagnostic", "practice")


def pool_of(rows: Sequence[PoolRow]) -> tuple[ItemPool, dict[str, int]]:
    """The adaptive pool of the bank's rows, and each pooled item's version."""
    items, versions = [], {}
    for row in rows:
        a, b = irt_parameters(Calibration.model_validate(row.calibration or {}), float(row.difficulty))
        items.append(PoolItem(row.id, row.topic, row.type, a, b, pretest=row.status == "provisional"))
        versions[row.id] = row.version
    return ItemPool(items), versions


def next_in(
    state: QuizState, pool: ItemPool, recent: Sequence[str], exposure: Mapping[str, float] | None = None
) -> tuple[PoolItem | None, Sequence[str]]:
    """The next item (None: the quiz is over) and the no-repeat window it was chosen with; `exposure` (item id
    -> share of recent quizzes that asked it) keeps over-shown items out while others remain."""
    while True:
        item = next_item(state, pool, recent, exposure=exposure)
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
