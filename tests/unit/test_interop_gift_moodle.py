"""GIFT read as Moodle reads it: each behaviour of Moodle's qformat_gift, on fixtures written for AI4D from
Moodle's documentation of the format (tests/data/interop/moodle_behaviour.gift and the texts below)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ai4d_core.domain.items import MultipleChoiceItem, NumericItem, parse_item
from ai4d_core.domain.scoring import score_answer
from ai4d_core.interop import GiftError, read_gift, to_gift
from ai4d_core.interop.gift import idnumber_and_tags

pytestmark = pytest.mark.unit
DATA = Path(__file__).resolve().parents[1] / "data" / "interop"


@pytest.fixture(scope="module")
def imported():
    return read_gift((DATA / "moodle_behaviour.gift").read_text(encoding="utf-8"), default_topic="misc")


@pytest.fixture(scope="module")
def by_id(imported):
    return {item.id: item for item in imported.items}


def test_a_zero_weight_catch_all_imports_and_scores_as_in_moodle(imported, by_id) -> None:
    capital = by_id["geo.capital.fr"]  # the [id:...] of its comment
    assert capital.type == "short_answer"
    assert [(a.text, a.weight, a.feedback) for a in capital.answers] == [
        ("Paris", 1.0, "Right."),
        ("Lyon", 0.5, "A large city, not the capital."),
    ]
    scores = {answer: score_answer(capital, answer) for answer in ("Paris", "lyon", "London")}
    assert scores == {"Paris": 1.0, "lyon": 0.5, "London": 0.0}  # `=%0%*` scores 0, as in Moodle
    assert "line 7 ('Capital of France'): answer '*' worth 0% is kept out" in "\n".join(imported.notes)
    spain = by_id["capital-of-spain"]
    assert ([o.text for o in spain.options], spain.key) == (["Madrid", "Barcelona", "Seville"], "a")


def test_format_prefixes_set_how_each_text_is_read(by_id) -> None:
    formats = by_id["formats"]
    assert formats.stem == "Match the city to its country."  # [html]: tags dropped, &nbsp; decoded
    assert [p.text for p in formats.prompts] == ["Rome", "Berlin <capital>", "**Lisbon**", "Vienna & suburbs"]
    assert [t.text for t in formats.targets] == ["Italy", "Germany", "Portugal", "Austria", "Spain"]
    assert formats.explanation == "Capitals <b> are cities."  # [plain] keeps what looks like a tag
    river = by_id["feedback-formats"]
    assert [(o.text, o.weight, o.feedback) for o in river.options] == [
        ("The <Seine>", 0.5, "Half right: its name."),
        ("*La Seine*", 0.5, "Also right."),
        ("The Thames", -1.0, "Wrong — that is London."),  # [moodle] with an entity is read as HTML
    ]


def test_id_and_tag_comments_become_the_id_and_tags(by_id) -> None:
    assert by_id["geo.capital.fr"].tags == ("capitals", "europe")
    river = by_id["river-length"]  # `[id:Geo Q#7]` is no AI4D id: the id comes from the title
    assert river.tags == ("rivers", "moodle-idnumber:Geo Q#7")
    assert river.key is True


@pytest.mark.parametrize(
    ("comment", "idnumber", "tags"),
    [
        ("", "", []),
        ("// nothing to read here", "", []),
        ("// see [id:q-12] for this one", "q-12", []),
        ("// [tag:sql] and [tag:joins]", "", ["sql", "joins"]),
        ("// [tag:  spaced ] [id:  first ] [id:second]", "first", ["spaced"]),
        ("// [tag:a]\n// then [id:b] and [tag:c]", "b", ["a", "c"]),
        ("// never across lines: [tag:\n// x]", "", []),
        ("// escaped: [id:a\\]b] [tag:c\\]d]", "a]b", ["c]d"]),
        ("// no angle brackets in tags: [tag:<b>]", "", []),
        ("// nor backticks: [tag:a`b] [tag:ok]", "", ["ok"]),
    ],
)
def test_idnumber_and_tags_are_read_from_comments_as_moodle_does(comment, idnumber, tags) -> None:
    assert idnumber_and_tags(comment) == (idnumber, tags)


def test_answers_blanks_numbers_escapes_and_html(by_id) -> None:
    bare = by_id["gift-b568546ab166"]  # `{four}` without '=' is a short answer; the blank takes its place
    assert (bare.stem, [a.text for a in bare.answers]) == ("Two plus two make _____ in English.", ["four"])
    numbers = by_id["numbers"]
    assert [(a.low, a.high, a.value, a.tolerance, a.weight) for a in numbers.answers] == [
        (1961.0, 1989.0, None, 0.0, 1.0),
        (None, None, 1975.0, 20.0, 0.5),
    ]
    assert score_answer(numbers, 1990) == 0.5 and score_answer(numbers, 2000) == 0.0
    reversed_range = read_gift("In which year did the Berlin Wall fall?{#1991..1987}").items[0]
    assert isinstance(reversed_range, NumericItem)  # Moodle reads max..min as the same range
    assert [(a.low, a.high) for a in reversed_range.answers] == [(1987.0, 1991.0)]
    escapes = by_id["escapes"]
    assert escapes.stem == "Type the symbol { and } and = ~ # : \\ here.\nSecond line."
    assert [a.text for a in escapes.answers] == ["{}"]
    code = by_id["code"]
    assert code.stem == (
        "What does this print? See the docs (https://docs.python.org/3/).\n```\nfor i in range(2):\n    print(i)\n```"
    )
    assert [a.text for a in code.answers] == ["0 1", "0\n1"]  # short answers are plain text whatever the format
    assert [o.weight for o in by_id["thirds"].options] == [0.3333333, 0.3333333, 0.3333333, -1.0]


def test_the_moodle_fixture_round_trips_through_gift(imported) -> None:
    exported = to_gift(imported.items)
    again = read_gift(exported, default_topic="misc")
    assert again.items == imported.items
    assert "// [id:geo.capital.fr] [tag:capitals] [tag:europe]\n::geo.capital.fr::[markdown]" in exported


GRADES = [
    ("::Thirds::Pick all.{~%33%a ~%33%b ~%33%c}", "line 1 ('Thirds'): grade 33% is not one of Moodle's grades"),
    ("Q?{=yes =%33.3%almost}", "line 1: grade 33.3% is not one of Moodle's grades"),
    ("Q?{#=12 =%12%11}", "line 1: grade 12% is not one of Moodle's grades"),
    ("Q?{=%5.5%a =b}", "line 1: grade 5.5% is not one of Moodle's grades"),
]


@pytest.mark.parametrize(("text", "message"), GRADES, ids=[g[1].split("grade ")[1][:6] for g in GRADES])
def test_a_grade_outside_moodles_list_is_named_as_the_cause(text, message) -> None:
    with pytest.raises(GiftError) as caught:
        read_gift(text)
    assert str(caught.value).startswith(message)
    assert "add up" not in str(caught.value)


def test_grades_match_within_moodles_tolerance_or_to_the_nearest_on_request() -> None:
    within = read_gift("Q?{~%33.3333%a ~%66.6666%b ~c}").items[0]
    assert isinstance(within, MultipleChoiceItem)
    assert [o.weight for o in within.options] == [0.3333333, 0.6666667, 0.0]
    nearest = read_gift("Q?{~%33%a ~%33%b ~%33%c}", match_grades="nearest").items[0]
    assert isinstance(nearest, MultipleChoiceItem)
    assert [o.weight for o in nearest.options] == [0.3333333] * 3


UNSUPPORTED = [
    ("Just a description.", "a description"),
    ("::Img::[html]<p>Which flag? <img src='flag.png'></p>{=France ~Spain}", "an embedded img"),
    ("Pick one.{=a =b ~c}", "2 answers worth 100% in a one-answer question"),
    ("Pick some.{~%50%a ~%25%b ~c}", "add up to 75%, not 100%"),
    ("How many?{#=%50%3}", "no answer is worth 100%"),
    ("Any number?{#=*}", "an answer '*' worth more than 0%"),
    ("::Untitled::{T}", "a question without text"),  # Moodle imports it with an empty text
    ("Which river?{=Rhine ~Danube ~danube}", "beyond an AI4D single_choice item: options: Value error, texts must be"),
    ("Which?{=a ~b ~c ~d ~e ~f ~g ~h ~i}", "beyond an AI4D single_choice item: options: Tuple should have at most 8"),
]


@pytest.mark.parametrize(("text", "reason"), UNSUPPORTED, ids=[u[1] for u in UNSUPPORTED])
def test_what_ai4d_cannot_carry_is_refused_with_its_reason_or_left_out_on_request(text, reason) -> None:
    good = "::ok::Fine? {T}\n\n"
    with pytest.raises(GiftError) as caught:
        read_gift(good + text)
    assert str(caught.value).startswith("line 3") and "AI4D cannot carry this: " in str(caught.value)
    assert reason in str(caught.value)
    kept = read_gift(good + text, skip_unsupported=True)
    assert [i.id for i in kept.items] == ["ok"]
    assert len(kept.skipped) == 1 and kept.skipped[0].startswith("line 3") and reason in kept.skipped[0]


def test_what_is_not_carried_is_noted_per_question() -> None:
    notes = read_gift("::Half::Best?{=a ~%50%b ~c#no}\n\n::Pen::Which?{=a ~%-100%b ~%-50%c}").notes
    assert notes == (
        "line 1 ('Half'): partial credit on other answers (50%) is not carried: they score 0",
        "line 1 ('Half'): per-answer feedback is not carried by a single choice item",
        "line 3 ('Pen'): wrong answers score -1/2 each (AI4D's negative marking), not their own grades",
    )


def test_the_writer_refuses_what_moodle_would_not_read_back() -> None:
    common = {"topic": "sql", "level": 1, "explanation": "E.", "stem": "Pick."}
    odd = parse_item({**common, "id": "x.odd", "type": "multiple_choice", "options": [
        {"id": "a", "text": "A", "weight": 0.35}, {"id": "b", "text": "B", "weight": 0.65}]})  # fmt: skip
    tagged = parse_item({**common, "id": "x.tag", "type": "true_false", "key": True, "tags": ["<b>"]})
    with pytest.raises(GiftError, match=r"item 'x.odd': weight 35% is not one of Moodle's grades"):
        to_gift([odd])
    with pytest.raises(GiftError, match=r"item 'x.tag': tag '<b>' holds '<', '>' or a control character"):
        to_gift([tagged])
    assert "::" not in to_gift([odd, tagged], skip_unsupported=True)


def test_a_file_without_questions_is_refused_as_moodle_does() -> None:
    for empty in ("", "\n\n", "// only a comment\n// and another\n"):
        with pytest.raises(GiftError, match=r"^file: the file holds no question \(Moodle refuses it too"):
            read_gift(empty, skip_unsupported=True)
    assert read_gift("$CATEGORY: $course$/top/Rivers\n").items == []  # a category alone imports nothing


def test_a_title_is_read_as_moodle_keeps_it() -> None:
    item = read_gift("::The <b>Rhine</b> & a < b::Where does the Rhine end?{=Rotterdam}").items[0]
    assert item.id == "the-rhine-a-b"  # tags dropped, as Moodle's clean_question_name does
