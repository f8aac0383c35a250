"""The promotion policy: each rule gives its decision with a plain-language reason."""

from __future__ import annotations

import dataclasses

import pytest

from ai4d_core.domain.promotion import (
    DEFAULT_POLICY,
    Decision,
    ItemEvidence,
    OptionStat,
    PromotionPolicy,
    decide,
    review_active,
)

pytestmark = pytest.mark.unit

KEY = OptionStat("a", True, 60, 0.45, 0.8)
OPTIONS = (KEY, OptionStat("b", False, 25, -0.30, 0.8), OptionStat("c", False, 15, -0.55, 0.8))
GOOD = ItemEvidence(n_responses=100, a=1.2, b=0.3, se_a=0.25, se_b=0.2, fit=0.03, point_biserial=0.4, options=OPTIONS)


def _with(**changes: object) -> ItemEvidence:
    return dataclasses.replace(GOOD, **changes)  # type: ignore[arg-type]


def test_a_sound_item_is_promoted_with_its_figures() -> None:
    verdict = decide(GOOD)
    assert verdict.decision is Decision.PROMOTED
    assert verdict.reason == (
        "100 responses, a = 1.20 (se 0.25), b = 0.30 (se 0.20), fit 0.030, point-biserial 0.40, "
        "every distractor below the key"
    )
    assert review_active(GOOD) is None


def test_too_few_responses_keep_it_whatever_else() -> None:
    verdict = decide(_with(n_responses=12, point_biserial=-0.9, fit=0.5))
    assert (verdict.decision, verdict.reason) == (Decision.KEPT, "not enough responses: 12 of 30")
    assert decide(_with(n_responses=30)).decision is Decision.PROMOTED
    stricter = PromotionPolicy(min_responses=200)
    assert decide(GOOD, stricter).reason == "not enough responses: 100 of 200"


def test_a_clearly_negative_point_biserial_sets_it_aside_a_doubtful_one_keeps_it() -> None:
    verdict = decide(_with(point_biserial=-0.3))  # t = -3.1
    assert verdict.decision is Decision.SET_ASIDE
    assert verdict.reason.startswith("negative discrimination: point-biserial -0.30 over 100 responses")
    assert "check the key" in verdict.reason
    doubtful = decide(_with(point_biserial=-0.1))  # t = -1.0: not evidence yet
    assert doubtful.decision is Decision.KEPT and "point-biserial -0.10 below 0.1" in doubtful.reason


def test_a_clearly_negative_a_sets_it_aside() -> None:
    verdict = decide(_with(a=-0.8, se_a=0.2))
    assert verdict.decision is Decision.SET_ASIDE
    assert verdict.reason.startswith("negative discrimination: a = -0.80 (se 0.20)")
    assert decide(_with(a=-0.1, se_a=0.3)).decision is Decision.KEPT  # within its error of 0


def test_misfit_sets_it_aside() -> None:
    verdict = decide(_with(fit=0.15))
    assert verdict.decision is Decision.SET_ASIDE
    assert verdict.reason.startswith("misfit: item fit 0.150 above 0.1")


def test_a_distractor_drawing_clearly_abler_learners_sets_it_aside() -> None:
    options = (KEY, OptionStat("b", False, 30, 1.2, 0.7), OptionStat("c", False, 10, -0.5, 0.8))
    verdict = decide(_with(options=options))
    assert verdict.decision is Decision.SET_ASIDE
    assert verdict.reason.startswith(
        "distractor problem: abler learners choose option b: mean ability 1.20 of 30 choosers, against 0.45 of "
        "60 for the key a (z = 4.6)"  # 0.75 / sqrt(0.7² / 30 + 0.8² / 60)
    )
    assert review_active(_with(options=options)) == verdict.reason  # an active item is flagged, not demoted


def test_a_distractor_about_as_able_as_the_key_keeps_it() -> None:
    options = (KEY, OptionStat("b", False, 8, 0.55, 0.8), OptionStat("c", False, 32, -0.5, 0.8))
    verdict = decide(_with(options=options))
    assert verdict.decision is Decision.KEPT
    assert (
        "a distractor's choosers are as able as the key's (option b: mean ability 0.55 of 8 choosers" in verdict.reason
    )


def test_a_distractor_chosen_by_too_few_is_not_judged() -> None:
    options = (KEY, OptionStat("b", False, 4, 2.0, 0.1), OptionStat("c", False, 36, -0.5, 0.8))
    assert decide(_with(options=options)).decision is Decision.PROMOTED


def test_a_multiple_choice_key_is_the_pool_of_its_right_options() -> None:
    options = (OptionStat("a", True, 50, 0.2, 0.8), OptionStat("b", True, 50, 0.8, 0.8),
               OptionStat("c", False, 40, 0.7, 0.8))  # fmt: skip
    verdict = decide(_with(options=options))  # the keys' choosers average 0.5: c at 0.7 is a doubt
    assert verdict.decision is Decision.KEPT and "for the key a, b" in verdict.reason


def test_clearly_weak_discrimination_sets_it_aside() -> None:
    verdict = decide(_with(a=0.1, se_a=0.05))
    assert verdict.decision is Decision.SET_ASIDE
    assert (
        verdict.reason == "weak discrimination: a = 0.10 (se 0.05), clearly below 0.3; it barely tells learners apart"
    )


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"a": 0.25, "se_a": 0.3}, "discrimination a = 0.25 below 0.3"),
        ({"a": 4.6}, "discrimination a = 4.60 above 4 (implausibly steep)"),
        ({"se_a": 0.7}, "se(a) 0.70 above 0.5"),
        ({"se_b": None}, "se(b) unknown above 0.5"),
        ({"point_biserial": 0.05}, "point-biserial 0.05 below 0.1"),
        ({"point_biserial": None}, "point-biserial unknown below 0.1"),
    ],
)
def test_each_promotion_condition_short_of_its_threshold_keeps_it_and_says_which(
    changes: dict[str, object], said: str
) -> None:
    verdict = decide(_with(**changes))
    assert verdict.decision is Decision.KEPT
    assert verdict.reason.startswith("not yet: ") and said in verdict.reason


def test_items_without_options_are_judged_on_the_rest() -> None:
    verdict = decide(_with(options=()))
    assert verdict.decision is Decision.PROMOTED and "distractor" not in verdict.reason


def test_the_default_policy_is_the_documented_one() -> None:
    assert DEFAULT_POLICY.as_dict() == {
        "min_responses": 30, "min_a": 0.3, "max_a": 4.0, "max_se_a": 0.5, "max_se_b": 0.5, "max_fit": 0.1,
        "min_point_biserial": 0.1, "min_choosers": 5, "z": 1.64,
    }  # fmt: skip
