"""The open-response suggestion reads negation, ignores the stem's words and names misconceptions.

The first four tests are the cases of the content review (issue 8): answers like those that the old whole-word
coverage scored 1.0, 1.0, 0.74 and 0.72.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from ai4d_core.domain import rubric_suggestion
from ai4d_core.domain.items import OpenResponseItem, parse_item, public_view
from ai4d_core.domain.rubric_coverage import phrasings_in_stem
from ai4d_core.domain.scoring import AnswerError, open_response_coverage, score_answer
from ai4d_core.item_bank import load_curated_bank

pytestmark = pytest.mark.unit
BANK = {i.id: i for i in load_curated_bank() if isinstance(i, OpenResponseItem)}


def _status(item_id: str, answer: str) -> dict[str, str]:
    return {c.concept: c.status for c in open_response_coverage(BANK[item_id], answer).concepts}


def test_ml_127_the_opposite_remedy_scores_low_and_names_the_misconception() -> None:
    answer = ("The model is underfitting, the bias is too high. Make it more complex: use deeper trees, increase "
              "max_depth and reduce regularisation, then check the validation RMSE.")  # fmt: skip
    got = open_response_coverage(BANK["ml-127"], answer)
    assert got.score <= 0.2
    assert {m.tag for m in got.misconceptions} == {"underfitting_diagnosis", "more_capacity_remedy"}


def test_dm_125_wrong_grain_and_wrong_scd_type_score_low() -> None:
    answer = ("Fact table with one row per order and the order total as measure, joined to dim_date, "
              "dim_customer and dim_product. The segment is SCD type 1: when it changes we overwrite the segment "
              "in dim_customer.")  # fmt: skip
    got = open_response_coverage(BANK["dm-125"], answer)
    assert got.score <= 0.3
    assert {m.tag for m in got.misconceptions} == {"order_header_grain", "scd_type_1"}
    right = "One row per order line; dim_date, dim_customer, dim_product; segment as SCD type 2 with a new row."
    assert not open_response_coverage(BANK["dm-125"], right).misconceptions  # `per order line` is no header grain


def test_nlp_127_the_stem_pasted_back_scores_nothing() -> None:
    item = BANK["nlp-127"]
    assert score_answer(item, item.stem) == 0
    assert score_answer(item, f"Good question. {item.stem} I agree.") == 0
    assert open_response_coverage(item, item.stem).copied_share == 1.0


def test_mlops_127_denied_monitoring_registry_and_rollback_count_as_not_covered() -> None:
    answer = "Do not monitor drift, no registry, no rollback. Just retrain it every month."
    got = open_response_coverage(BANK["mlops-127"], answer)
    statuses = {c.concept: c.status for c in got.concepts}
    assert statuses["data drift"] == statuses["model registry"] == statuses["shadow"] == "negated"
    assert got.score <= 0.1
    assert {m.tag for m in got.misconceptions} == {"no_monitoring_needed", "unsafe_replacement"}


def _open(data: dict[str, Any]) -> OpenResponseItem:
    item = parse_item(data)
    assert isinstance(item, OpenResponseItem)
    return item


ITEM = _open({
    "id": "x-open", "type": "open_response", "topic": "ml_fundamentals", "level": 2, "explanation": "Because.",
    "stem": "Your model overfits its training data. Explain what you would do about it and how you would check.",
    "model_answer": "Add regularisation, use cross-validation, and keep a holdout set.",
    "rubric": [
        {"name": "remedy", "weight": 0.5, "concepts": [["regularisation", "early stopping"]]},
        {"name": "check", "weight": 0.5,
         "concepts": [["cross-validation", "holdout ... untouched"], ["learning curve", "training data"]]},
    ],
    "misconceptions": [{"tag": "more_capacity", "label": "Adds capacity", "penalty": 0.3,
                        "phrasings": ["deeper trees", "one row per order !line"],
                        "when_negated": ["cross-validation"]}],
})  # fmt: skip


def _score(answer: str) -> float:
    return open_response_coverage(ITEM, answer).score


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("Regularize it and use cross validation.", 0.75),  # stems and spellings: regularise/regularize
        ("Regularisation, cross-validation, learning curves.", 1.0),
        ("I would not regularise it.", 0.0),  # negated in its clause
        ("Don't use early stopping, use regularisation instead.", 0.5),  # the comma ends the negation
        ("Without regularisation the model overfits. Cross-validation helps.", 0.25),
        ("Regularisation is not needed; cross-validation is pointless.", 0.0),  # trailing cues
        ("Not only regularisation but also cross-validation.", 0.75),  # `not only` is no negation
        ("Early stopping rather than regularisation.", 0.5),
        ("Regularisation can't hurt.", 0.5),  # `can't hurt`: the cue follows the concept, which stays stated
        ("Keep a holdout set and leave it untouched until the end.", 0.25),  # a gapped phrasing in one sentence
        ("Keep a holdout set. Leave it untouched.", 0.0),  # ... not across sentences
    ],
)
def test_negation_scopes_stems_and_gaps(answer: str, expected: float) -> None:
    assert _score(answer) == pytest.approx(expected)


def test_words_of_the_stem_and_copied_runs_earn_nothing() -> None:
    # `training data` is in the stem: never evidence, whatever the answer says around it
    looked = open_response_coverage(ITEM, "Look at the training data.")
    assert looked.score == 0 and looked.concepts[2].status == "missing"
    assert phrasings_in_stem(ITEM) == ("training data",) and looked.informative
    echo = _open(ITEM.model_dump() | {"rubric": [{"name": "Covers the model answer", "weight": 1,
                                                  "concepts": [["model"], ["overfits"]]}]})  # fmt: skip
    assert not open_response_coverage(echo, "The model overfits.").informative  # a rubric made of the stem's words
    assert _score("Your model overfits its training data. Explain what you would do about it.") == 0
    # a phrasing partly inside a run of 5 or more words copied from the stem does not count either
    copied = _open(ITEM.model_dump() | {"stem": "Would you keep a holdout set for the final check?"})
    assert open_response_coverage(copied, "You keep a holdout set for the final check, untouched.").score == 0
    assert open_response_coverage(copied, "Keep the holdout set untouched.").score == 0.25


def test_misconceptions_lower_the_score_once_and_never_below_zero() -> None:
    got = open_response_coverage(ITEM, "Regularisation and deeper trees; deeper trees again.")
    assert got.score == pytest.approx(0.5 - 0.3)
    assert [(m.tag, m.phrase, m.negated) for m in got.misconceptions] == [("more_capacity", "deeper trees", False)]
    assert _score("Deeper trees.") == 0
    denied = open_response_coverage(ITEM, "No cross-validation needed, use regularisation.")
    assert [(m.tag, m.negated) for m in denied.misconceptions] == [("more_capacity", True)]
    assert _score("One row per order line, regularisation.") == 0.5  # `!line`: that phrasing does not apply
    assert _score("One row per order, regularisation.") == pytest.approx(0.2)


def test_items_without_misconceptions_still_parse_and_learners_never_see_them() -> None:
    imported: dict[str, Any] = ITEM.model_dump() | {"misconceptions": ()}
    assert score_answer(_open(imported), "regularisation") == 0.5
    assert "misconceptions" not in public_view(ITEM) and "rubric" not in public_view(ITEM)
    with pytest.raises(ValueError, match="unique"):
        parse_item(imported | {"misconceptions": [ITEM.misconceptions[0].model_dump()] * 2})


def test_answers_that_are_not_text_or_too_long_are_refused_naming_the_item() -> None:
    with pytest.raises(AnswerError, match="item x-open: answer must be text"):
        open_response_coverage(ITEM, 3)
    with pytest.raises(AnswerError, match="longer than 600 words"):
        open_response_coverage(ITEM, "word " * 601)


def test_the_llm_prompt_describes_the_misconceptions_and_their_tags_lower_its_suggestion() -> None:
    _system, user = rubric_suggestion.messages(ITEM, "Deeper trees.")
    assert '"tag": "more_capacity"' in user["content"] and '"or_denying": ["cross-validation"]' in user["content"]
    criteria = [{"name": "remedy", "coverage": 1}, {"name": "check", "coverage": 0.5}]
    reply = json.dumps({"criteria": criteria, "misconceptions": ["more_capacity"]})
    assert rubric_suggestion.suggested_score(ITEM, reply)[0] == pytest.approx(0.75 - 0.3)
    assert rubric_suggestion.suggested_score(ITEM, json.dumps({"criteria": criteria}))[0] == 0.75
    with pytest.raises(rubric_suggestion.SuggestionError, match="does not have"):
        rubric_suggestion.suggested_score(ITEM, json.dumps({"criteria": criteria, "misconceptions": ["invented"]}))
