"""Moodle GIFT in and out: every feature round-trips; a malformed file is refused whole, naming the line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ai4d_core.domain.items import ItemStatus, parse_item
from ai4d_core.interop import PLACEHOLDER_EXPLANATION, GiftError, parse_gift, to_gift
from ai4d_core.interop._common import MOODLE_NO_WORD_LIMIT
from ai4d_core.item_bank import load_demo_items

pytestmark = pytest.mark.unit
DATA = Path(__file__).resolve().parents[1] / "data" / "interop"
# What GIFT cannot carry (see ai4d_core/interop/gift.py): they take the importer's defaults.
LOST_IN_GIFT = {"version", "level", "difficulty", "subtopic", "language", "provenance", "status", "calibration"}


def _import(text: str, **kwargs):
    return parse_gift(text, default_topic="misc", default_level=2, **kwargs)


@pytest.fixture(scope="module")
def items():
    return _import((DATA / "every_feature.gift").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def by_id(items):
    return {item.id: item for item in items}


def test_every_feature_imports_exports_and_reimports_to_the_same_items(items) -> None:
    exported = to_gift(items)
    again = _import(exported)
    print(f"{len(items)} items, {len(exported)} characters of GIFT")
    assert again == items
    assert to_gift(again) == exported  # a fixed point
    assert {i.type for i in items} == {
        "single_choice", "multiple_choice", "true_false", "short_answer", "numeric", "matching", "open_response",
    }  # fmt: skip


def test_imported_items_are_provisional_with_import_provenance(items) -> None:
    assert {(i.provenance, i.status, i.level) for i in items} == {("import:gift", ItemStatus.PROVISIONAL, 2)}
    active = _import("Q? {T}", status=ItemStatus.ACTIVE)
    assert active[0].status is ItemStatus.ACTIVE


def test_categories_set_topics_and_titles_set_ids(items, by_id) -> None:
    assert [i.topic for i in items][:2] == ["sql_basics", "sql_basics"]
    assert by_id["stats.pi"].topic == "statistics"
    assert by_id["py.essay.bare"].topic == "data_frames"  # the last segment of $course$/top/Python/Data Frames
    assert "negative-marking" in by_id  # a title that is no id is slugified
    untitled = [i for i in items if i.id.startswith("gift-")]
    assert len(untitled) == 1
    assert untitled[0].stem == "Which clause filters groups?"
    assert _import("Q? {T}")[0].topic == "misc"  # no category: the caller's default


def test_choice_questions(by_id) -> None:
    where = by_id["sql.where"]
    assert where.type == "single_choice"
    assert where.stem == "Which clause filters rows {before grouping}?"
    assert [o.text for o in where.options] == ["WHERE", "HAVING", "GROUP BY"]
    assert where.key == "a"
    assert where.explanation.startswith("WHERE filters rows before GROUP BY")
    assert not where.negative_marking
    assert by_id["negative-marking"].negative_marking
    aggregates = by_id["sql.aggregates"]
    assert aggregates.type == "multiple_choice"
    assert [(o.text, o.weight, o.feedback) for o in aggregates.options] == [
        ("COUNT", 0.5, "Counts rows."),
        ("SUM", 0.5, "Adds values."),
        ("UPPER", -1.0, "A scalar function, not an aggregate."),
        ("LENGTH", 0.0, ""),
    ]


def test_true_false_short_answer_numeric(by_id) -> None:
    assert by_id["sql.tf.true"].key is True
    assert by_id["sql.tf.false"].key is False
    assert by_id["sql.tf.false"].explanation == "UNION removes duplicates; UNION ALL keeps them."
    assert by_id["sql.tf.feedback"].key is True  # {TRUE#wrong#right}: the feedbacks are not carried
    assert by_id["sql.tf.true"].explanation == PLACEHOLDER_EXPLANATION
    short = by_id["stats.mean.short"]
    assert short.stem == "The arithmetic mean is also called the _____ of a sample."  # missing-word format
    assert [(a.text, a.weight) for a in short.answers] == [("average", 1.0), ("expected value", 0.5), ("avg*", 1.0)]
    assert short.answers[1].feedback == "Close: that is the mean of a distribution."
    pi = by_id["stats.pi"].answers[0]
    assert (pi.value, pi.tolerance, by_id["stats.pi"].explanation) == (3.14, 0.005, "π ≈ 3.14159.")
    span = by_id["stats.range"].answers[0]
    assert (span.value, span.low, span.high) == (None, 1.0, 5.0)
    several = by_id["stats.multi.numeric"].answers
    assert [(a.value, a.tolerance, a.weight, a.feedback) for a in several] == [
        (1.414, 0.01, 1.0, "Exactly."),
        (1.4, 0.1, 0.5, "Roughly."),
    ]  # the `~#Not even close.` catch-all feedback is not carried


def test_matching_essay_and_escapes(by_id) -> None:
    matching = by_id["stats.matching"]
    assert [p.text for p in matching.prompts] == ["Mean", "Median", "Mode"]
    assert [t.text for t in matching.targets][-1] == "Largest value"  # `= -> Largest value`: a distractor
    assert matching.key == {"p1": "t1", "p2": "t2", "p3": "t3"}
    essay = by_id["stats.essay"]
    assert essay.stem == "Explain the difference between variance and standard deviation."  # [html] stripped
    assert essay.model_answer == essay.explanation
    assert essay.rubric[0].name == "Covers the model answer"
    assert ("variance",) in essay.rubric[0].concepts
    bare = by_id["py.essay.bare"]
    assert bare.explanation == PLACEHOLDER_EXPLANATION
    assert ("dataframe",) in bare.rubric[0].concepts  # no model answer: concepts from the stem
    assert essay.max_words == bare.max_words == MOODLE_NO_WORD_LIMIT  # GIFT sets no limit, nor does Moodle
    escapes = by_id["stats.escapes"]
    assert escapes.stem == (
        "Escaped specials: a tilde ~, an equals =, a hash #, braces { } and a backslash \\.\nSecond line."
    )
    assert [(a.text, a.weight, a.feedback) for a in escapes.answers] == [
        ("a ~ b", 1.0, "feedback with a # hash"),
        ("c = d", 0.25, ""),
    ]


def _other_items():
    common = {"topic": "sql", "level": 3, "explanation": "Because.", "tags": ("t",), "difficulty": 1.5}
    return [
        parse_item({**common, "id": "x.multi", "type": "multiple_choice", "stem": "Pick two.", "options": [
            {"id": "a", "text": "A", "weight": 0.5}, {"id": "b", "text": "B", "weight": 0.5},
            {"id": "c", "text": "C", "weight": -0.5, "feedback": "No: C."}]}),
        parse_item({**common, "id": "x.short", "type": "short_answer", "stem": "Name it.", "case_sensitive": False,
                    "answers": [{"text": "it", "feedback": "Yes"}, {"text": "i*", "weight": 0.5}]}),
        parse_item({**common, "id": "x.num", "type": "numeric", "stem": "How much?", "answers": [
            {"value": -2.5, "tolerance": 0.25}, {"low": -10, "high": 0, "weight": 0.2, "feedback": "Sign right."}]}),
        parse_item({**common, "id": "x.match", "type": "matching", "stem": "Pair them.",
                    "prompts": [{"id": "p1", "text": "1 + 1"}, {"id": "p2", "text": "2 + 2"}],
                    "targets": [{"id": "t1", "text": "2"}, {"id": "t2", "text": "4"}, {"id": "t3", "text": "5"}],
                    "key": {"p1": "t1", "p2": "t2"}}),
    ]  # fmt: skip


def test_items_of_the_bank_export_to_gift_and_back_except_what_gift_cannot_carry() -> None:
    source = [*load_demo_items(), *_other_items()]
    again = parse_gift(to_gift(source), default_topic="misc", default_level=1)
    assert len(again) == len(source)
    for before, after in zip(source, again, strict=True):
        assert after.model_dump(exclude=LOST_IN_GIFT) == before.model_dump(exclude=LOST_IN_GIFT), before.id


def test_types_gift_cannot_carry_are_named_or_skipped() -> None:
    ordering = parse_item({
        "id": "x.order", "type": "ordering", "topic": "sql", "level": 1, "stem": "Order.", "explanation": "E.",
        "entries": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}], "key": ["b", "a"],
    })  # fmt: skip
    with pytest.raises(GiftError, match=r"item 'x.order': GIFT cannot carry ordering items"):
        to_gift([ordering])
    assert "::" not in to_gift([ordering], skip_unsupported=True)


MALFORMED = [  # what Moodle refuses too
    ("::a::Fine? {T}\n\n::b::Open?\n{=x ~y\n", 4, "braces do not pair"),
    ("\n\nQ? {~%150%a ~%100%b}", 3, "grade 150% is not one of Moodle's grades"),
    ("Q? {~%--50%a ~%100%b}", 1, "weight %--50% is not a number"),
    ("Q1 {T}\n\n// comment\nQ2? {#abc}", 4, "'abc' is not a number"),
    ("Q? {#1:x}", 1, "margin 'x' is not a number"),
    ("Q? {=a -> 1 =b}", 1, "matching pair 'b' has no '->'"),
    ("Q? {~alone}", 1, "needs at least two answers"),
    ("Q? {=%50%half}", 1, "no answer is worth 100%"),
    ("Q? {=a} and {=b}", 1, "more than one answer block"),
    ("$CATEGORY: x\nQ? {T}", 1, "a $CATEGORY line needs a blank line after it"),
]


@pytest.mark.parametrize(("text", "line", "message"), MALFORMED, ids=[m[2] for m in MALFORMED])
def test_a_malformed_question_refuses_the_whole_file_naming_its_line(text, line, message) -> None:
    good = "::ok::A good question before the bad one. {T}\n\n"
    shift = good.count("\n")
    with pytest.raises(GiftError) as caught:
        _import(good + text)
    print(caught.value)
    assert re.match(rf"line {line + shift}\b", str(caught.value))
    assert message in str(caught.value)


def test_every_problem_is_listed() -> None:
    with pytest.raises(GiftError) as caught:
        _import("Q1? {#x}\n\nQ2? {T}\n\nQ3? {~%50%a ~b}")
    assert [p.split(":")[0] for p in caught.value.problems] == ["line 1", "line 5"]
    assert "add up to 50%" in caught.value.problems[1]


def test_ids_are_deterministic_and_unique_within_a_file() -> None:
    text = "::Same Title::One? {T}\n\n::Same Title::Two? {F}\n\nUntitled? {T}\n\n::" + "Long " * 30 + "::Three? {T}"
    first, second = _import(text), _import(text)
    assert [i.id for i in first] == [i.id for i in second]
    assert [i.id for i in first][:2] == ["same-title", "same-title-2"]
    assert first[2].id.startswith("gift-")
    assert len(first[3].id) <= 64


def test_the_caller_options_are_checked() -> None:
    with pytest.raises(ValueError, match="default_topic"):
        parse_gift("Q? {T}", default_topic="Not A Topic", default_level=1)
    with pytest.raises(ValueError, match="default_level"):
        parse_gift("Q? {T}", default_topic="sql", default_level=4)
