"""Item statistics on sparse answers agree with the plain per-item computations."""

from __future__ import annotations

import numpy as np
import pytest

from ai4d_core.domain import item_statistics as stats
from ai4d_core.domain.irt import eap_many
from ai4d_core.domain.items import parse_item

pytestmark = pytest.mark.unit


def _sparse(seed: int = 3, persons: int = 300, items: int = 12, per_person: int = 5) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    who = np.repeat(np.arange(persons), per_person)
    what = np.concatenate([rng.choice(items, per_person, replace=False) for _ in range(persons)])
    a, b = rng.uniform(0.6, 2.0, items), rng.normal(0, 1, items)
    theta = rng.normal(0, 1, persons)
    u = (rng.random(who.size) < 1 / (1 + np.exp(-a[what] * (theta[who] - b[what])))).astype(float)
    return who, what, u, a, b


def test_rest_ability_is_the_eap_of_the_learners_other_answers() -> None:
    who, what, u, a, b = _sparse()
    rest = stats.rest_abilities(who, a[what], b[what], u, 300)
    for row in (0, 7, 1234):
        others = (who == who[row]) & (np.arange(who.size) != row)
        expected, _ = eap_many(np.zeros(others.sum(), dtype=int), a[what][others], b[what][others], u[others], 1)
        assert rest[row] == pytest.approx(expected[0], abs=1e-9)
    print(f"checked 3 rows of {who.size}")


def test_a_learner_with_one_answer_has_no_rest_ability() -> None:
    rest = stats.rest_abilities(np.array([0, 0, 1]), np.ones(3), np.zeros(3), np.array([1.0, 0.0, 1.0]), 2)
    assert np.isfinite(rest[:2]).all() and np.isnan(rest[2])


def test_point_biserial_is_the_per_item_correlation_and_undefined_without_spread() -> None:
    who, what, u, a, b = _sparse()
    ability = stats.rest_abilities(who, a[what], b[what], u, 300)
    r = stats.point_biserial(what, u, ability, 13)  # item 12 has no answer
    for item in range(12):
        rows = what == item
        assert r[item] == pytest.approx(np.corrcoef(u[rows], ability[rows])[0, 1])
    assert np.isnan(r[12])
    assert (r[:12] > 0).all()  # every simulated item discriminates
    constant = stats.point_biserial(np.zeros(4, dtype=np.int64), np.ones(4), np.array([0.1, 0.2, 0.3, 0.4]), 1)
    assert np.isnan(constant[0])


def test_option_statistics_count_choosers_and_their_ability() -> None:
    items = np.array([0, 0, 0, 1, 1, 0])
    options = np.array([0, 1, 1, 2, 2, 0])
    ability = np.array([1.0, -1.0, 0.0, 0.5, np.nan, 3.0])
    counts = stats.option_statistics(items, options, ability, 2, 3)
    assert counts.chosen.tolist() == [[2, 2, 0], [0, 0, 1]]  # the NaN row is left out
    assert counts.mean_ability[0].tolist()[:2] == [2.0, -0.5] and np.isnan(counts.mean_ability[0, 2])
    assert counts.sd_ability[0, 0] == pytest.approx(np.std([1.0, 3.0], ddof=1))
    assert np.isnan(counts.sd_ability[1, 2])  # one chooser: no SD


def _item(kind: str) -> object:
    common = {"id": f"t-{kind}", "topic": "sql", "level": 1, "stem": "Q?", "explanation": "E."}
    bodies: dict[str, dict[str, object]] = {
        "single_choice": {"options": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}], "key": "b"},
        "multiple_choice": {
            "options": [
                {"id": "a", "text": "A", "weight": 0.5},
                {"id": "b", "text": "B", "weight": 0.5},
                {"id": "c", "text": "C", "weight": -0.5},
            ]
        },
        "true_false": {"key": False},
        "short_answer": {"answers": [{"text": "x", "weight": 1.0}]},
    }
    return parse_item(common | {"type": kind} | bodies[kind])


def test_chosen_and_key_options_per_type() -> None:
    single, multiple, tf, short = (_item(k) for k in ("single_choice", "multiple_choice", "true_false", "short_answer"))
    assert stats.chosen_options(single, "b") == ("b",) and stats.key_options(single) == {"b"}  # type: ignore[arg-type]
    assert stats.chosen_options(single, "zz") == ()  # type: ignore[arg-type]
    assert stats.chosen_options(multiple, ["a", "c", "a"]) == ("a", "c")  # type: ignore[arg-type]
    assert stats.key_options(multiple) == {"a", "b"}  # type: ignore[arg-type]
    assert stats.option_ids(tf) == ("true", "false") and stats.chosen_options(tf, False) == ("false",)  # type: ignore[arg-type]
    assert stats.key_options(tf) == {"false"}  # type: ignore[arg-type]
    assert stats.option_ids(short) == () and stats.chosen_options(short, "x") == ()  # type: ignore[arg-type]
