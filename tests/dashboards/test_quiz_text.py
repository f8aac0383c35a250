"""What the quiz and history say about an answer and its feedback, from the view the learner was shown."""

from __future__ import annotations

import html

import pytest

from ai4d_core.domain.feedback import Detail, Feedback, SqlFeedback
from ai4d_core.services.quiz_types import PastAnswer
from dashboards.history_page import answer_markdown
from dashboards.quiz_text import answer_words, feedback_markdown
from dashboards.quiz_view import feedback_pane

pytestmark = pytest.mark.unit
ORDERING = {"type": "ordering", "entries": [{"id": "b", "text": "Load"}, {"id": "a", "text": "Extract"}]}
MATCHING = {"type": "matching", "prompts": [{"id": "p1", "text": "S3"}], "targets": [{"id": "t1", "text": "Storage"}]}
CLOZE = {"type": "cloze", "stem": "Use {{g1}} then {{g2}}.",
         "gaps": [{"id": "g1", "kind": "single_choice", "options": [{"id": "o1", "text": "WHERE"}]},
                  {"id": "g2", "kind": "numeric", "options": []}]}  # fmt: skip


def test_answers_read_with_the_texts_the_learner_chose() -> None:
    assert answer_words(ORDERING, ["a", "b"]) == "Extract → Load"
    assert answer_words(MATCHING, {"p1": "t1"}) == "S3 → Storage"
    assert answer_words(CLOZE, {"g1": "o1", "g2": 3}) == "blank 1: WHERE · blank 2: 3"
    assert answer_words({"type": "true_false"}, False) == "False"
    assert answer_words(ORDERING, None) == "no answer"


def test_feedback_names_the_wrong_parts_and_escapes_what_the_learner_typed() -> None:
    fb = Feedback(0.5, False, "Extract → Load", "Extract comes first.", wrong=("b",),
                  details=(Detail("a", "Extract", "<img src=x onerror=alert(1)>", "place 1", False),))  # fmt: skip
    shown = feedback_markdown(ORDERING, fb)
    assert "◐ Partly right (score 0.5)" in shown and "Explanation:** Extract comes first." in shown
    assert "✘ Extract: you gave \\<img src=x onerror=alert\\(1\\)\\>, expected place 1" in shown


def test_sql_feedback_puts_the_learners_rows_beside_the_expected_ones() -> None:
    sql = SqlFeedback(None, "expected 2 columns, got 1", ("x",), ((1,),), ("a", "b"), (("p|q", None),))
    fb = Feedback(0.0, False, "SELECT a, b FROM t", "", sql=sql)
    pane = feedback_pane({"type": "sql_query"}, fb)
    (pair,) = [p for p in pane.objects if hasattr(p, "flex_wrap")]
    yours, expected = (html.unescape(m._transform_object(m.object)["object"]) for m in pair.objects)
    assert "Your result" in yours and "<td>1</td>" in yours
    assert "Expected result" in expected and "<td>p|q</td>" in expected and "<td>NULL</td>" in expected
    assert "Why it differs:** expected 2 columns, got 1" in feedback_markdown({"type": "sql_query"}, fb)


def test_a_past_cloze_question_shows_numbered_blanks() -> None:
    past = PastAnswer(3, CLOZE, {"g1": "o1"}, 0.5, Feedback(0.5, False, "", ""), None)
    shown = answer_markdown(past)
    assert "Question 3" in shown and "{{g1}}" not in shown and "(blank 2)" in shown
