"""The learner app has a widget for every item type, and what the widget collects is what the server scores."""

from __future__ import annotations

import panel as pn
import pytest

from ai4d_core.adapters.sql_sandbox import DuckDBSandbox
from ai4d_core.domain.items import ITEM_TYPES, Item
from ai4d_core.domain.keys import key_answer
from ai4d_core.domain.scoring import score_answer
from ai4d_core.item_bank import load_curated_bank
from dashboards.questions import FieldsQuestion, ManyQuestion, OrderingQuestion, Question, TextQuestion, question_for

pytestmark = pytest.mark.dashboards


def _one_of_each_type() -> dict[str, Item]:
    found: dict[str, Item] = {}
    for item in load_curated_bank():
        found.setdefault(item.type, item)
    return found


def _answer_like_a_learner(question: Question, key: object) -> None:
    """Set the widgets' parameters the way a learner's clicks and typing would."""
    if isinstance(question, ManyQuestion):
        question.picked = list(key)  # type: ignore[call-overload]
    elif isinstance(question, OrderingQuestion):
        for position, entry in zip(question.positions, key, strict=True):  # type: ignore[call-overload]
            position.choice = entry
    elif isinstance(question, FieldsQuestion):
        assert isinstance(key, dict)
        for field in question.fields:
            if field.has_options:
                field.choice = key[field.key]
            else:
                field.text = str(key[field.key])
    elif isinstance(question, TextQuestion):
        question.text = str(key)
    else:
        question.answer = key


@pytest.mark.parametrize("item_type", ITEM_TYPES)
def test_every_type_renders_and_its_key_entered_in_the_widget_scores_full_marks(item_type: str) -> None:
    item = _one_of_each_type()[item_type]
    question = question_for(item)
    assert question.value() is None  # nothing is preselected
    assert question.widget() is not None
    _answer_like_a_learner(question, key_answer(item))
    assert score_answer(item, question.value(), sql=DuckDBSandbox()) == pytest.approx(1.0)


def test_an_ordering_question_is_unanswered_until_every_entry_is_placed() -> None:
    item = _one_of_each_type()["ordering"]
    question = question_for(item)
    assert isinstance(question, OrderingQuestion)
    key = list(key_answer(item))
    for position, entry in zip(question.positions[:-1], key[:-1], strict=True):
        position.choice = entry
    assert question.value() is None
    question.positions[-1].choice = key[0]  # a repeat is not an answer
    assert question.value() is None
    question.positions[-1].choice = key[-1]
    assert question.value() == key


def test_no_widget_renders_its_labels_as_html() -> None:
    """MultiChoice (choices.js) renders labels as HTML: no question may use it."""
    for item in _one_of_each_type().values():
        assert not question_for(item).widget().select(pn.widgets.MultiChoice)
