"""Reading what learners type: the usual number formats, percentages, and plain messages for what cannot be read."""

from __future__ import annotations

from typing import Any

import pytest

from ai4d_core.domain.answer_reading import Unreadable, read_answer, read_number
from ai4d_core.domain.items import Item, parse_item

pytestmark = pytest.mark.unit
COMMON = {"topic": "sql", "level": 1, "explanation": "Because."}


def make(type_: str, stem: str = "A question?", **fields: Any) -> Item:
    return parse_item({"id": f"x-{type_}", "type": type_, "stem": stem, **COMMON, **fields})


def choices(*ids: str) -> list[dict[str, str]]:
    return [{"id": i, "text": f"text {i}"} for i in ids]


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("4722432", 4722432), ("4,722,432", 4722432), ("4 722 432", 4722432), ("4\u00a0722\u00a0432", 4722432),
        ("4\u202f722\u202f432", 4722432), ("4_722_432", 4722432), ("4'722'432", 4722432), ("1,500.25", 1500.25),
        ("1 500", 1500), ("1.5e3", 1500), ("1.5E-3", 0.0015), ("\u22123", -3), ("\u2212 3.5", -3.5), ("+3", 3),
        (".5", 0.5), ("5.", 5), ("  42  ", 42), ("\uff14\uff12", 42), (7, 7), (2.5, 2.5), ("-0", 0),
    ],
)  # fmt: skip
def test_usual_number_formats_are_read(typed: object, value: float) -> None:
    assert tuple(read_number(typed)) == pytest.approx((value,))


@pytest.mark.parametrize(("typed", "readings"), [("15 %", (15, 0.15)), ("15%", (15, 0.15)), ("-2.5 %", (-2.5, -0.025))])
def test_a_percentage_is_read_both_as_written_and_as_a_fraction(typed: str, readings: tuple[float, ...]) -> None:
    assert read_number(typed) == pytest.approx(readings)


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("1,5", "Use a dot for decimals: write 1.5"), ("3,14", "write 3.14"), ("1,500", "could be 1500 or 1.500"),
        ("abc", "is not a number we can read"), ("12,34,567", "is not a number"), ("1.234.567", "is not a number"),
        ("1e999", "too large"), ("", "Write a number"), ("  ", "Write a number"), (None, "Write a number"),
        (True, "Write a number"), ("nan", "is not a number"), ("inf", "is not a number"), ("-", "is not a number"),
        ("4,722 432", "is not a number"), ("1" * 80, "longer than"), (float("nan"), "finite"),
    ],
)  # fmt: skip
def test_ambiguous_or_unreadable_numbers_are_sent_back_with_a_plain_message(typed: object, says: str) -> None:
    with pytest.raises(Unreadable, match=says.replace(".", r"\.")):
        read_number(typed)


PERCENT_KEY = make("numeric", answers=[{"value": 15, "tolerance": 0.5}])
FRACTION_KEY = make("numeric", answers=[{"value": 0.15, "tolerance": 0.001}])


def test_a_percentage_counts_in_whichever_unit_the_key_is_written() -> None:
    assert read_answer(PERCENT_KEY, "15 %") == 15
    assert read_answer(FRACTION_KEY, "15 %") == pytest.approx(0.15)
    assert read_answer(FRACTION_KEY, "0.15") == pytest.approx(0.15)
    assert read_answer(PERCENT_KEY, "40 %") == 40  # neither matches: the number as written is what counts


SC = make("single_choice", options=choices("a", "b", "c"), key="a")
MC = make("multiple_choice", options=[{"id": i, "text": f"text {i}", "weight": w} for i, w in
                                      (("a", 0.5), ("b", 0.5), ("c", 0))])  # fmt: skip
MATCH = make("matching", prompts=choices("p1", "p2"), targets=choices("t1", "t2"), key={"p1": "t1", "p2": "t2"})
ORDER = make("ordering", entries=choices("e1", "e2", "e3"), key=["e1", "e2", "e3"])
CLOZE = make(
    "cloze", stem="Type {{g1}}, a number {{g2}} and pick {{g3}}.",
    gaps=[{"id": "g1", "kind": "short_answer", "answers": [{"text": "x"}]},
          {"id": "g2", "kind": "numeric", "numeric": [{"value": 1500}]},
          {"id": "g3", "kind": "single_choice", "options": choices("a", "b"), "key": "a"}],
)  # fmt: skip
OPEN = make("open_response", rubric=[{"name": "n", "weight": 1, "concepts": [["x"]]}], model_answer="x", max_words=10)
SQL = make("sql_query", fixture={"setup_sql": "CREATE TABLE t (a INT);"}, reference_query="SELECT a FROM t")


@pytest.mark.parametrize(
    ("item", "typed", "read"),
    [
        (SC, "b", "b"), (MC, ["b", "a", "a"], ["a", "b"]), (MC, "c", ["c"]),
        (make("true_false", key=True), "False", False), (make("short_answer", answers=[{"text": "x"}]), " x ", "x"),
        (MATCH, {"p1": "t2", "p2": ""}, {"p1": "t2", "p2": None}), (ORDER, ["e3", "e1", "e2"], ["e3", "e1", "e2"]),
        (CLOZE, {"g1": "x", "g2": "1,500.0", "g3": ""}, {"g1": "x", "g2": 1500.0, "g3": None}),
        (OPEN, "one two three", "one two three"), (SQL, "SELEC 1", "SELEC 1"),
    ],
)  # fmt: skip
def test_answers_of_every_type_are_read_into_the_shape_scoring_expects(item: Item, typed: object, read: object) -> None:
    assert read_answer(item, typed) == read


@pytest.mark.parametrize(
    ("item", "typed", "says"),
    [
        (SC, None, "Choose one of the options"), (SC, "z", "options shown"), (MC, [], "at least one option"),
        (MC, ["a", "z"], "options shown"), (make("true_false", key=True), None, "true or false"),
        (make("short_answer", answers=[{"text": "x"}]), "   ", "Write an answer"), (ORDER, ["e1", "e2"], "every entry"),
        (MATCH, {"p1": None, "p2": None}, "at least one"), (MATCH, {"p1": "t9"}, "options shown"),
        (CLOZE, {"g1": "", "g2": None}, "at least one blank"), (CLOZE, {"g2": "1,5"}, "Blank 2: use a dot"),
        (CLOZE, {"g3": "z"}, "Blank 3: choose one"), (OPEN, " ".join(["w"] * 11), "has 11 words; keep it to 10"),
        (SQL, "", "Write a SQL query"), (SQL, "x" * 5001, "longer than 5,000"),
    ],
)  # fmt: skip
def test_unreadable_answers_say_what_to_fix_and_name_no_id(item: Item, typed: object, says: str) -> None:
    with pytest.raises(Unreadable, match=says) as refused:
        read_answer(item, typed)
    assert item.id not in str(refused.value)
