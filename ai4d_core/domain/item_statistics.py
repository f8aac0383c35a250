"""Classical item statistics on sparse responses, vectorised: rest ability, point-biserial, option choices.

Data are long-format rows (learner index, item index, score in [0, 1]); each learner answered a few items.
Because learners see different items, a learner's *total score* says little; the criterion is instead their
**rest ability**: the EAP ability (N(0, 1) prior, `irt.GRID`) from their other answers under the calibrated
2PL parameters, so an item never correlates with itself. Rows of learners with no other answer have no rest
ability (NaN) and are left out of every statistic.

- `point_biserial`: per item, the Pearson correlation of the score with the rest ability (with partial
  credit it is the point-polyserial analogue); NaN with fewer than 3 rows or no spread.
- `option_statistics`: per item and option, how many chose it and the mean and SD of their rest ability.
- `chosen_options`/`key_options`: which options of a choice item an answer picked and which are keys
  (single choice, true/false as options "true"/"false", multiple choice with its positive-weight options).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ai4d_core.domain.irt import GRID, log_likelihood, log_prior, summarize
from ai4d_core.domain.items import Item, MultipleChoiceItem, SingleChoiceItem, TrueFalseItem

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_CHUNK = 20_000  # rows per block: bounds the (rows x grid) work arrays


def rest_abilities(persons: IntArray, a: FloatArray, b: FloatArray, scores: FloatArray, n_persons: int) -> FloatArray:
    """Each row's learner's EAP ability from their other rows (NaN when they have no other row).

    `a` and `b` are the row's item parameters (one value per row).
    """
    who = np.asarray(persons, dtype=np.int64)
    if not (who.shape == a.shape == b.shape == scores.shape) or who.ndim != 1:
        raise ValueError("persons, a, b and scores must be 1-d arrays of the same length")
    total = np.broadcast_to(log_prior(0.0, 1.0), (n_persons, GRID.size)).copy()
    for rows in _blocks(who.size):
        np.add.at(total, who[rows], log_likelihood(a[rows], b[rows], scores[rows]))
    out = np.empty(who.size, dtype=np.float64)
    for rows in _blocks(who.size):
        out[rows] = summarize(total[who[rows]] - log_likelihood(a[rows], b[rows], scores[rows]))[0]
    alone = np.bincount(who, minlength=n_persons)[who] < 2
    out[alone] = np.nan
    return out


def _blocks(n: int) -> list[slice]:
    return [slice(start, start + _CHUNK) for start in range(0, n, _CHUNK)]


def point_biserial(items: IntArray, scores: FloatArray, ability: FloatArray, n_items: int) -> FloatArray:
    """Per item, the correlation of its scores with the rest ability (NaN if undefined)."""
    ok = np.isfinite(ability)
    i, x, y = items[ok], scores[ok], ability[ok]

    def total(values: FloatArray | None = None) -> FloatArray:
        return np.bincount(i, weights=values, minlength=n_items).astype(np.float64)

    n, sx, sy = total(), total(x), total(y)
    cov = n * total(x * y) - sx * sy
    var = (n * total(x * x) - sx**2) * (n * total(y * y) - sy**2)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cov / np.sqrt(var)
    return np.where((n >= 3) & (var > 1e-12), r, np.nan)


@dataclass(frozen=True, slots=True)
class OptionCounts:
    """Per item i and option o: how many chose it, and their rest ability's mean and SD (NaN if undefined)."""

    chosen: IntArray
    mean_ability: FloatArray
    sd_ability: FloatArray


def option_statistics(
    items: IntArray, options: IntArray, ability: FloatArray, n_items: int, n_options: int
) -> OptionCounts:
    """Choice counts and choosers' rest ability (mean, SD), from one row per (response, chosen option)."""
    ok = np.isfinite(ability)
    cell = items[ok] * n_options + options[ok]
    size = n_items * n_options
    chosen = np.bincount(cell, minlength=size)
    sums = np.bincount(cell, weights=ability[ok], minlength=size)
    squares = np.bincount(cell, weights=ability[ok] ** 2, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(chosen > 0, sums / chosen, np.nan)
        var = np.where(chosen > 1, (squares - chosen * mean**2) / (chosen - 1), np.nan)
    shape = (n_items, n_options)
    sd = np.sqrt(np.maximum(var, 0.0))
    return OptionCounts(chosen.reshape(shape).astype(np.int64), mean.reshape(shape), sd.reshape(shape))


def option_ids(item: Item) -> tuple[str, ...]:
    """The options of a choice item, in authored order; () for other types."""
    if isinstance(item, SingleChoiceItem | MultipleChoiceItem):
        return tuple(o.id for o in item.options)
    if isinstance(item, TrueFalseItem):
        return ("true", "false")
    return ()


def key_options(item: Item) -> frozenset[str]:
    """The options that earn credit."""
    if isinstance(item, SingleChoiceItem):
        return frozenset({item.key})
    if isinstance(item, TrueFalseItem):
        return frozenset({"true" if item.key else "false"})
    if isinstance(item, MultipleChoiceItem):
        return frozenset(o.id for o in item.options if o.weight > 0)
    return frozenset()


def chosen_options(item: Item, answer: object) -> tuple[str, ...]:
    """The options a stored answer picked (unknown ids and other shapes are ignored)."""
    known = option_ids(item)
    if isinstance(item, TrueFalseItem):
        picked: Sequence[object] = ["true" if answer else "false"] if isinstance(answer, bool) else []
    elif isinstance(answer, str):
        picked = [answer]
    elif isinstance(answer, list):
        picked = answer
    else:
        picked = []
    return tuple(dict.fromkeys(p for p in picked if isinstance(p, str) and p in known))


__all__ = [
    "OptionCounts",
    "chosen_options",
    "key_options",
    "option_ids",
    "option_statistics",
    "point_biserial",
    "rest_abilities",
]
