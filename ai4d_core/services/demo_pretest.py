"""Demo pretest items: six provisional questions the demo cohort answers beside its scored ones.

Answers are simulated from each learner's ability with the items' *true* option model (nominal: option o is
chosen with probability proportional to exp(slope_o * theta + intercept_o)), so `calibrate-items` has
something real to find:

- `pre-sql-01`, `pre-py-01`, `pre-stat-01`: sound items (2PL a = 1.4, 1.2, 1.1) with ~190 answers each
  in the full demo: promoted;
- `pre-sql-02`: its key is wrong (WHERE; the right answer HAVING is what able learners choose): negative
  discrimination, set aside;
- `pre-stat-02`: option d is also defensible and draws the ablest learners: a distractor problem, set aside;
- `pre-py-02`: sound, but shown in only `THIN_ANSWERS` attempts: kept provisional (not enough responses).
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Mapping, Sequence
from importlib import resources

from ai4d_core.domain.items import Item, SingleChoiceItem, parse_item
from ai4d_core.item_bank import DATA_PACKAGE

PRETEST_FILE = "demo_pretest_items.json"
PER_ATTEMPT = 3  # pretest items added to each demo attempt
THIN = "pre-py-02"
THIN_ANSWERS = 12  # the first learners with a history see the thin item too (in their first attempt)
OptionModel = Mapping[str, tuple[float, float]]  # option id -> (slope, intercept)


def two_pl(options: Sequence[str], key: str, a: float, b: float) -> dict[str, tuple[float, float]]:
    """The option model of a sound item: P(key) follows the 2PL (a, b), wrong answers spread evenly."""
    return {o: (a, math.log(len(options) - 1) - a * b) if o == key else (0.0, 0.0) for o in options}


ABCD = ("a", "b", "c", "d")
TRUE_MODELS: dict[str, dict[str, tuple[float, float]]] = {
    "pre-sql-01": two_pl(ABCD, "a", 1.4, 0.0),
    "pre-py-01": two_pl(ABCD, "b", 1.2, -0.6),
    "pre-stat-01": two_pl(ABCD, "b", 1.1, 0.9),
    # b (HAVING) is right and what able learners choose; the stored key a (WHERE) is the common mistake.
    "pre-sql-02": {"a": (-0.5, 1.0), "b": (1.5, 1.5), "c": (0.0, 0.0), "d": (0.0, 0.0)},
    "pre-stat-02": {"a": (1.2, 0.5), "b": (0.0, 0.0), "c": (0.0, 0.0), "d": (2.4, -1.2)},
    "pre-py-02": two_pl(ABCD, "a", 1.2, 0.0),
}


def load_pretest_items() -> list[Item]:
    """The six demo pretest items (provisional), as shipped in `data/demo_pretest_items.json`."""
    text = resources.files(DATA_PACKAGE).joinpath(PRETEST_FILE).read_text(encoding="utf-8")
    return [parse_item(d) for d in json.loads(text)]


def choose(model: OptionModel, theta: float, rng: random.Random) -> str:
    """One option drawn from the nominal model at ability `theta`."""
    options = sorted(model)
    weights = [math.exp(model[o][0] * theta + model[o][1]) for o in options]
    return rng.choices(options, weights)[0]


def pretest_answers(
    items: Sequence[Item], ability: Mapping[str, float], rng: random.Random, *, thin: bool
) -> dict[str, object]:
    """Answers to `PER_ATTEMPT` pretest items (and the thin one when `thin`), from the learner's abilities."""
    pool = [i for i in items if i.id != THIN]
    chosen = rng.sample(pool, PER_ATTEMPT) + [i for i in items if thin and i.id == THIN]
    answers: dict[str, object] = {}
    for item in chosen:
        assert isinstance(item, SingleChoiceItem)
        answers[item.id] = choose(TRUE_MODELS[item.id], ability[item.topic], rng)
    return answers


__all__ = [
    "PER_ATTEMPT",
    "THIN",
    "THIN_ANSWERS",
    "TRUE_MODELS",
    "choose",
    "load_pretest_items",
    "pretest_answers",
    "two_pl",
]
