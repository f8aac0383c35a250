"""Immediate feedback per item type: the score, the right answer in words, and which parts were wrong."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ai4d_core.adapters.sql_sandbox import DuckDBSandbox
from ai4d_core.domain.feedback import FEEDBACK_ROWS, Feedback, SqlTrace, feedback, graded, sql_feedback
from ai4d_core.domain.items import Item, OpenResponseItem, SqlQueryItem, parse_item
from ai4d_core.domain.presentation import Presentation
from ai4d_core.domain.scoring import score_answer, sql_verdict

pytestmark = pytest.mark.unit
COMMON = {"topic": "sql", "level": 1, "explanation": "Because it is so."}


def make(type_: str, stem: str = "A question?", **fields: Any) -> Item:
    return parse_item({"id": f"x-{type_}", "type": type_, "stem": stem, **COMMON, **fields})


def choices(*ids: str) -> list[dict[str, str]]:
    return [{"id": i, "text": f"text {i}"} for i in ids]


def scored(item: Item, answer: object, shown: Presentation | None = None) -> Feedback:
    return feedback(item, answer, score_answer(item, answer), shown)


def test_single_choice_names_the_wrong_option_and_the_right_one() -> None:
    item = make("single_choice", options=choices("a", "b", "c"), key="b")
    wrong = scored(item, "c")
    assert (wrong.score, wrong.correct, wrong.wrong, wrong.right_answer) == (0, False, ("c",), "text b")
    assert wrong.explanation == "Because it is so."
    right = scored(item, "b")
    assert right.correct and right.wrong == ()


def test_multiple_choice_lists_wrong_choices_missed_ones_and_their_feedback() -> None:
    trap = {"id": "c", "text": "C", "weight": -0.5, "feedback": "C is a trap."}
    options = [
        {"id": "a", "text": "A", "weight": 0.5},
        {"id": "b", "text": "B", "weight": 0.5},
        trap,
        {"id": "d", "text": "D"},
    ]
    item = make("multiple_choice", options=options)
    got = scored(item, ["a", "c"], Presentation(options=("d", "b", "c", "a")))
    assert got.score == 0 and got.wrong == ("c",) and got.missed == ("b",)
    assert got.right_answer == "B; A"  # in the order shown
    assert got.comments == ("C is a trap.",)


def test_true_false_short_answer_and_numeric_say_the_right_answer_in_words() -> None:
    assert scored(make("true_false", key=False), True).right_answer == "False"
    close = {"text": "granular*", "weight": 0.5, "feedback": "Close: the grain."}
    short = make("short_answer", answers=[{"text": "*grain*", "weight": 1}, {"text": "grain", "weight": 1}, close])
    half = scored(short, "granularity")
    assert (half.score, half.right_answer, half.comments) == (0.5, "grain", ("Close: the grain.",))
    numeric = make("numeric", answers=[{"value": 4722432, "tolerance": 0.5}])
    assert scored(numeric, 4722000).right_answer == "4,722,432 (± 0.5)"
    relative = make("numeric", answers=[{"value": 0.25, "tolerance": 0.02, "relative": True}])
    assert scored(relative, 0.3).right_answer == "0.25 (± 2 %)"
    assert scored(make("numeric", answers=[{"low": 1, "high": 2}]), 3).right_answer == "between 1 and 2"


def test_ordering_marks_the_entries_out_of_place() -> None:
    item = make("ordering", entries=choices("e1", "e2", "e3"), key=["e1", "e2", "e3"], grading="absolute_position")
    got = scored(item, ["e1", "e3", "e2"])
    assert got.score == pytest.approx(1 / 3) and got.wrong == ("e2", "e3")
    assert got.right_answer == "text e1 → text e2 → text e3"
    assert [(d.label, d.given, d.expected) for d in got.details][1] == ("text e2", "place 3", "place 2")


def test_matching_marks_the_pairs_matched_wrongly_or_left_open() -> None:
    item = make("matching", prompts=choices("p1", "p2", "p3"), targets=choices("t1", "t2", "t3"),
                key={"p1": "t1", "p2": "t2", "p3": "t3"})  # fmt: skip
    got = scored(item, {"p1": "t1", "p2": "t3", "p3": None})
    assert got.wrong == ("p2", "p3")
    assert [(d.given, d.expected) for d in got.details] == [("text t1", "text t1"), ("text t3", "text t2"),
                                                            ("no match chosen", "text t3")]  # fmt: skip


def test_cloze_marks_the_wrong_blanks_in_the_order_of_the_text() -> None:
    item = make(
        "cloze", stem="Then {{g2}} before {{g1}}.",
        gaps=[{"id": "g1", "kind": "short_answer", "answers": [{"text": "x"}]},
              {"id": "g2", "kind": "single_choice", "options": choices("a", "b"), "key": "a"}],
    )  # fmt: skip
    got = scored(item, {"g1": "x", "g2": "b"})
    assert got.score == 0.5 and got.wrong == ("g2",)
    assert [(d.label, d.given, d.expected, d.right) for d in got.details] == [
        ("blank 1", "text b", "text a", False), ("blank 2", "x", "x", True)]  # fmt: skip
    assert scored(item, {"g1": None, "g2": "a"}).details[1].given == "left blank"


def test_an_open_response_awaits_review_with_the_model_answer_and_the_rubric_but_no_score() -> None:
    rubric = [{"name": "layout", "weight": 0.5, "concepts": [["parquet", "columnar"], ["partition", "partitioning"]]},
              {"name": "cost", "weight": 0.5, "concepts": [["budget", "budgets"]]}]  # fmt: skip
    item = make("open_response", rubric=rubric, model_answer="Use columnar files, partitions and budgets.")
    assert isinstance(item, OpenResponseItem)
    got = scored(item, "Store it as Parquet and set budgets.")
    assert got.awaiting_review and got.score is None and not got.correct
    assert got.right_answer == item.model_answer and got.rubric == ("layout (50 %)", "cost (50 %)")
    assert Feedback.from_dict(json.loads(json.dumps(got.to_dict()))) == got
    done = graded(got, 1.0, "Clear and complete.")
    assert (done.score, done.correct, done.awaiting_review, done.review_comment) == (1.0, True, False,
                                                                                   "Clear and complete.")  # fmt: skip
    assert graded(got, 0.4).correct is False and Feedback.from_dict(done.to_dict()) == done


SQL = parse_item({
    "id": "x-sql", "type": "sql_query", "stem": "Rows of t by a.", **COMMON,
    "fixture": {"setup_sql": "CREATE TABLE t (a INT, b VARCHAR);"
                             " INSERT INTO t SELECT i, 'r' || i FROM range(10) r(i);"},
    "reference_query": "SELECT a, b FROM t WHERE a < 8 ORDER BY a",
})  # fmt: skip


def _sql(answer: str) -> Feedback:
    assert isinstance(SQL, SqlQueryItem)
    trace = SqlTrace(DuckDBSandbox())
    verdict = sql_verdict(SQL, answer, trace)
    return sql_feedback(SQL, verdict.score, verdict.reason, trace)


def test_sql_shows_the_first_rows_beside_the_expected_ones_or_the_error() -> None:
    wrong = _sql("SELECT a, b FROM t ORDER BY a")
    assert wrong.score == 0 and wrong.sql is not None
    assert wrong.sql.reason == "expected 8 rows, got 10" and wrong.sql.error is None
    assert len(wrong.sql.rows) == len(wrong.sql.expected_rows) == FEEDBACK_ROWS
    assert wrong.sql.rows[0] == (0, "r0") and wrong.sql.more_rows and wrong.sql.more_expected
    assert wrong.right_answer == SQL.reference_query  # type: ignore[union-attr]
    failed = _sql("SELECT c FROM t")
    assert failed.sql is not None and failed.sql.error is not None and "c" in failed.sql.error
    assert failed.sql.rows == () and failed.sql.expected_rows  # the expected rows still show
    assert _sql("SELECT a, b FROM t WHERE a <= 7 ORDER BY a").correct


def test_feedback_round_trips_through_json() -> None:
    item = make("matching", prompts=choices("p1", "p2"), targets=choices("t1", "t2"), key={"p1": "t1", "p2": "t2"})
    for got in (scored(item, {"p1": "t2"}), _sql("SELECT a, b FROM t ORDER BY a")):
        assert Feedback.from_dict(json.loads(json.dumps(got.to_dict()))) == got
