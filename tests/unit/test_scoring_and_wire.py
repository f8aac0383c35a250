"""Scoring and submission parsing: pure functions, table-driven, plus properties over arbitrary input."""

from __future__ import annotations

import contextlib
import json
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ai4d_core.domain import submissions as wire
from ai4d_core.domain.items import SingleChoiceItem, TrueFalseItem, parse_item
from ai4d_core.domain.scoring import AnswerError, score_answer

pytestmark = pytest.mark.unit

CHOICE = SingleChoiceItem(
    id="t-1",
    topic="sql",
    level=1,
    stem="Which clause filters groups?",
    explanation="HAVING filters groups.",
    options=({"id": "a", "text": "WHERE"}, {"id": "b", "text": "HAVING"}, {"id": "c", "text": "ORDER BY"}),  # type: ignore[arg-type]
    key="b",
)
TRUTH = TrueFalseItem(id="t-2", topic="sql", level=1, stem="NULL = NULL is true.", explanation="It is NULL.", key=False)
ITEMS = {i.id: i for i in (CHOICE, TRUTH)}


@pytest.mark.parametrize(
    ("item", "answer", "expected"),
    [(CHOICE, "b", 1.0), (CHOICE, "a", 0.0), (TRUTH, False, 1.0), (TRUTH, True, 0.0)],
)
def test_score_table(item: SingleChoiceItem | TrueFalseItem, answer: object, expected: float) -> None:
    assert score_answer(item, answer) == expected


def test_negative_marking_follows_moodle() -> None:
    marked = CHOICE.model_copy(update={"negative_marking": True})
    assert score_answer(marked, "a") == pytest.approx(-0.5)


@pytest.mark.parametrize(("item", "answer"), [(CHOICE, "z"), (CHOICE, 1), (TRUTH, "true"), (TRUTH, None)])
def test_answers_that_do_not_fit_are_refused_clearly(item: object, answer: object) -> None:
    with pytest.raises(AnswerError, match=r"item t-\d"):
        score_answer(item, answer)  # type: ignore[arg-type]


def test_an_item_whose_key_is_not_an_option_is_invalid() -> None:
    with pytest.raises(ValueError, match="key 'z' is not one of the option ids"):
        parse_item(CHOICE.model_dump() | {"key": "z"})


@given(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20), st.lists(st.integers(), max_size=3)
    )
)
def test_any_answer_scores_within_bounds_or_fails_clearly(answer: object) -> None:
    for item in ITEMS.values():
        with contextlib.suppress(AnswerError):
            assert -1.0 <= score_answer(item, answer) <= 1.0


@given(st.binary(max_size=300))
def test_any_bytes_parse_or_fail_with_a_submission_error(raw: bytes) -> None:
    try:
        data = wire.decode(raw, 1_000)
        wire.score(wire.parse(data, raw, {}), ITEMS)
    except wire.SubmissionError as exc:
        assert str(exc)


def test_every_problem_is_named_in_one_error() -> None:
    body = {
        "submission_id": str(uuid.uuid4()),
        "answers": [{"item_id": "t-1", "answer": "z"}, {"item_id": "x-9", "answer": 1}],
    }
    sub = wire.parse(body, json.dumps(body).encode(), {})
    with pytest.raises(wire.SubmissionError) as err:
        wire.score(sub, ITEMS)
    assert "'z' is not one of its options" in str(err.value) and "unknown item id 'x-9'" in str(err.value)


def test_seed_answers_map_letters_texts_and_vrai_faux() -> None:
    stems = {wire.normalize_stem(i.stem): i for i in ITEMS.values()}
    seed = {
        "questions_data": [
            {"numero": 1, "question": "  which clause FILTERS groups? ", "type": "ChoixMultiple", "user_answer": "B"},
            {"numero": 2, "question": TRUTH.stem, "type": "VraiOuFaux", "user_answer": "Faux", "is_correct": False},
        ]
    }
    raw = json.dumps(seed).encode()
    sub = wire.parse(seed, raw, stems)
    assert [a.answer for a in sub.answers] == ["b", False]
    assert sub.submission_id == wire.parse(seed, raw, stems).submission_id  # same payload, same id
    assert sum(a.score for a in wire.score(sub, ITEMS)) == 2.0
