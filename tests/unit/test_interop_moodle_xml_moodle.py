"""Moodle XML read as Moodle reads it: per-element text formats, grades, catch-all answers, idnumbers, embedded
answers, ordering; on fixtures written for AI4D from Moodle's documentation (tests/data/interop/moodle_behaviour.xml
and the questions below)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ai4d_core.domain.items import MultipleChoiceItem, NumericItem, TrueFalseItem, parse_item
from ai4d_core.domain.scoring import score_answer
from ai4d_core.interop import MoodleXmlError, read_moodle_xml, to_moodle_xml

pytestmark = pytest.mark.unit
DATA = Path(__file__).resolve().parents[1] / "data" / "interop"


def _quiz(*questions: str) -> str:
    return "<quiz>" + "".join(questions) + "</quiz>"


def _q(qtype: str, name: str, body: str, text: str = "Which?") -> str:
    return (
        f'<question type="{qtype}"><name><text>{name}</text></name>'
        f"<questiontext><text>{text}</text></questiontext>{body}</question>"
    )


@pytest.fixture(scope="module")
def imported():
    return read_moodle_xml((DATA / "moodle_behaviour.xml").read_bytes(), default_topic="misc")


@pytest.fixture(scope="module")
def by_id(imported):
    return {item.id: item for item in imported.items}


def test_texts_follow_moodles_default_format_per_element(by_id) -> None:
    italy = by_id["q1"]  # idnumber Q1: lower-cased to an id, and kept exactly as a tag
    assert italy.stem == "Which city is the capital of Italy & of Lazio?"  # no format: html, entities decoded
    assert italy.explanation == "Rome — since 1871."  # the feedback inherits the question text's format
    assert [(a.text, a.weight, a.feedback) for a in italy.answers] == [
        ("Rome & Roma", 1.0, "Yes."),  # a short answer is plain text whatever its format attribute
        ("Roma", 0.5, ""),
    ]
    assert italy.tags == ("capitals", "italy", "moodle-idnumber:Q1")
    assert italy.topic == "rivers_and_capitals"
    river = by_id["longest-river"]
    assert river.stem == "Which river is the longest, <Danube> or Rhine?"  # plain_text kept as it is
    assert river.explanation == "The Danube <2850 km> is longer."
    assert [o.text for o in river.options] == ["Danube & tributaries", "Rhine"]  # a blank answer is skipped
    assert river.tags == ("moodle-idnumber:T & F",)


def test_catch_alls_and_zero_answers_import_and_score_as_in_moodle(imported, by_id) -> None:
    italy = by_id["q1"]
    assert [score_answer(italy, a) for a in ("rome & roma", "Roma", "Milan")] == [1.0, 0.5, 0.0]
    rhine = by_id["length-of-the-rhine"]
    assert [(a.value, a.tolerance) for a in rhine.answers] == [(1230.0, 20.0)]
    assert score_answer(rhine, 2850) == 0.0
    notes = "\n".join(imported.notes)
    assert "question #2 (shortanswer 'Capital of Italy'): answer '*' worth 0% is kept out" in notes
    assert "question #7 (numerical 'Length of the Rhine'): the unit 'km' is not carried" in notes


def test_old_true_false_texts_embedded_answers_ordering_and_essays(imported, by_id) -> None:
    assert by_id["seine"].key is True  # 'Vrai' first, worth 100%: read by position, as Moodle does
    cloze = by_id["rivers-cloze"]
    assert cloze.stem == "The Rhône ends in {{g1}}; the Thames in {{g2}}."
    g1, g2 = cloze.gaps
    assert [(a.text, a.feedback) for a in g1.answers] == [("the Mediterranean", "Oui\nbien"), ("l'Europe du Sud", "")]
    assert (g2.weight, [o.text for o in g2.options], g2.key) == (2.0, ["London", "Oxford", "Paris"], "a")
    assert score_answer(cloze, {"g1": "l'europe du sud", "g2": "a"}) == 1.0
    order = by_id["upstream-order"]
    assert ([e.text for e in order.entries], order.key, order.grading) == (
        ["Vienna", "Bratislava", "Budapest", "Belgrade"],
        ("a", "b", "c", "d"),
        "absolute_position",
    )
    essay = by_id["rivers-essay"]
    assert (essay.model_answer, essay.max_words) == ("Trade, water and defence.", 400)
    assert "question #8 (essay 'Rivers essay'): the minimum of 50 words is not carried" in imported.notes


def test_the_moodle_fixture_round_trips_through_moodle_xml(imported) -> None:
    exported = to_moodle_xml(imported.items)
    assert read_moodle_xml(exported, default_topic="misc").items == imported.items
    assert '<question type="ordering">' in exported and "<gradingtype>ABSOLUTE_POSITION</gradingtype>" in exported


def test_a_grade_outside_moodles_list_is_named_with_its_question() -> None:
    primes = _q("multichoice", "Primes", "<single>false</single>" + "".join(
        f'<answer fraction="{f}"><text>{t}</text></answer>' for t, f in (("2", 33), ("3", 33), ("5", 34), ("4", -50))
    ))  # fmt: skip
    with pytest.raises(MoodleXmlError) as caught:
        read_moodle_xml(_quiz(primes))
    assert str(caught.value).startswith("question #1 (multichoice 'Primes'): grade 33% is not one of Moodle's grades")
    nearest = read_moodle_xml(_quiz(primes.replace("34", "33.33333")), match_grades="nearest").items[0]
    assert isinstance(nearest, MultipleChoiceItem)
    assert [o.weight for o in nearest.options] == [0.3333333, 0.3333333, 0.3333333, -0.5]


def test_single_and_old_fraction_elements_are_read_as_moodle_does() -> None:
    answers = '<answer fraction="50"><text>a</text></answer><answer fraction="50"><text>b</text></answer>'
    several = read_moodle_xml(_quiz(_q("multichoice", "M", "<single>0</single>" + answers))).items[0]
    assert several.type == "multiple_choice"  # Moodle's trans_single: 'false', '0' or empty is false
    old = "<answer><fraction>1</fraction><text>4</text><tolerance>0</tolerance></answer>"
    numeric = read_moodle_xml(_quiz(_q("numerical", "N", old))).items[0]
    assert isinstance(numeric, NumericItem) and numeric.answers[0].weight == 1.0
    empty_image = '<image></image><image_base64></image_base64><answer fraction="100"><text>true</text></answer>'
    true_false = read_moodle_xml(_quiz(_q("truefalse", "T", empty_image))).items[0]
    assert isinstance(true_false, TrueFalseItem) and true_false.key is True  # Moodle 1.9 exports


UNSUPPORTED = [
    (_q("description", "Intro", ""), "a description is no question"),
    (_q("calculated", "Calc", ""), "calculated questions"),
    (_q("ddwtos", "Drag", ""), "drag-and-drop into text"),
    (_q("myplugin", "Plug", ""), "question type 'myplugin'"),
    (
        _q(
            "truefalse",
            "File",
            '<answer fraction="100"><text>true</text></answer>',
            "&lt;img src=&quot;@@PLUGINFILE@@/map.png&quot;&gt; Paris?",
        ),
        "a file of Moodle's file area",
    ),
    (
        '<question type="truefalse"><name><text>Attached</text></name><questiontext format="html"><text>Q?</text>'
        '<file name="map.png" encoding="base64">AA==</file></questiontext></question>',
        "a file (map.png) attached to the question text",
    ),
    (_q("essay", "Files", "<attachmentsrequired>1</attachmentsrequired>"), "an essay that requires attached files"),
    (
        _q(
            "multichoice",
            "Two",
            '<answer fraction="100"><text>a</text></answer><answer fraction="100"><text>b</text></answer>',
        ),
        "2 answers worth 100% in a one-answer question",
    ),
    (
        _q(
            "numerical",
            "Units",
            '<answer fraction="100"><text>1</text></answer><units><unit><multiplier>1'
            "</multiplier><unit_name>m</unit_name></unit><unit><multiplier>100</multiplier><unit_name>cm"
            "</unit_name></unit></units>",
        ),
        "units m, cm",
    ),
    (_q("cloze", "MR", "", "Pick {1:MULTIRESPONSE:~%50%a~%50%b}"), "several right options in one part"),
    (_q("truefalse", "Old", "<image>map.png</image><image_base64>AA==</image_base64>"), "the old <image> element"),
    (
        _q(
            "ordering",
            "Subset",
            "<selecttype>RANDOM</selecttype><selectcount>2</selectcount>"
            "<answer><text>a</text></answer><answer><text>b</text></answer><answer><text>c</text></answer>",
        ),
        "ordering that shows 2 of its 3 entries",
    ),
    (  # Moodle imports a matching question of one pair (with a notice); AI4D's needs two
        _q("matching", "Pair", "<subquestion><text>Rhine</text><answer><text>Basel</text></answer></subquestion>"),
        "beyond an AI4D matching item: prompts: Tuple should have at least 2 items",
    ),
    (
        _q(
            "multichoice",
            "Nine",
            "".join(f'<answer fraction="{100 if k == 1 else 0}"><text>{k} km</text></answer>' for k in range(1, 10)),
        ),
        "beyond an AI4D single_choice item: options: Tuple should have at most 8 items",
    ),
    (
        _q(
            "multichoice",
            "Twice",
            '<answer fraction="100"><text>Rhine</text></answer><answer fraction="0"><text>rhine</text></answer>',
        ),
        "beyond an AI4D single_choice item: options: Value error, texts must be unique",
    ),
    (_q("essay", "Short", "<maxwordlimit>5</maxwordlimit>"), "beyond an AI4D open_response item: max_words"),
]


@pytest.mark.parametrize(("question", "reason"), UNSUPPORTED, ids=[u[1][:30] for u in UNSUPPORTED])
def test_what_ai4d_cannot_carry_is_refused_with_its_reason_or_left_out_on_request(question, reason) -> None:
    good = _q("truefalse", "Fine", '<answer fraction="100"><text>true</text></answer>')
    with pytest.raises(MoodleXmlError) as caught:
        read_moodle_xml(_quiz(good, question))
    assert str(caught.value).startswith("question #2 (") and "AI4D cannot carry this: " in str(caught.value)
    assert reason in str(caught.value)
    kept = read_moodle_xml(_quiz(good, question), skip_unsupported=True)
    assert [i.id for i in kept.items] == ["fine"]
    assert len(kept.skipped) == 1 and kept.skipped[0].startswith("question #2") and reason in kept.skipped[0]


def test_the_writer_refuses_what_moodle_would_not_read_back() -> None:
    common = {"topic": "sql", "level": 1, "explanation": "E.", "stem": "Pick."}
    odd = parse_item({**common, "id": "x.odd", "type": "short_answer", "answers": [
        {"text": "a"}, {"text": "b", "weight": 0.45}]})  # fmt: skip
    half = parse_item({**common, "id": "x.half", "type": "cloze", "stem": "A {{g1}}.", "gaps": [
        {"id": "g1", "kind": "short_answer", "weight": 1.5, "answers": [{"text": "a"}]}]})  # fmt: skip
    with pytest.raises(MoodleXmlError, match=r"item 'x.odd': weight 45% is not one of Moodle's grades"):
        to_moodle_xml([odd])
    with pytest.raises(MoodleXmlError, match=r"item 'x.half': gap g1 weight 1.5 is not a whole number"):
        to_moodle_xml([half])
    assert "<question " not in to_moodle_xml([odd, half], skip_unsupported=True)


def test_what_moodle_refuses_in_a_file_is_refused_with_moodles_reason() -> None:
    river = '<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer>'
    nameless = (
        f'<question type="truefalse"><questiontext><text>The Rhine rises in the Alps.</text></questiontext>{river}'
    )
    with pytest.raises(MoodleXmlError, match=r"^question #1 \(truefalse\): has no <name> \(Moodle refuses it too"):
        read_moodle_xml(_quiz(nameless + "</question>"), skip_unsupported=True)
    cloze = '<question type="cloze"><questiontext><text>The Rhine ends in {1:SA:=Rotterdam}.</text></questiontext>'
    assert read_moodle_xml(_quiz(cloze + "</question>")).items[0].type == "cloze"  # Moodle names it itself
    for empty in ("<quiz></quiz>", '<?xml version="1.0"?>\n<quiz>\n  <!-- nothing yet -->\n</quiz>'):
        with pytest.raises(MoodleXmlError, match=r"^document: the file holds no question \(Moodle refuses it too"):
            read_moodle_xml(empty)
    rivers = _quiz('<question type="category"><category><text>top/Rivers</text></category></question>')
    assert read_moodle_xml(rivers).items == []  # a category alone imports nothing
    latin1 = _quiz(_q("truefalse", "Rh\u00f4ne", river)).replace(
        "<quiz>", '<?xml version="1.0" encoding="ISO-8859-1"?><quiz>'
    )
    with pytest.raises(MoodleXmlError, match=r"^document: byte \d+ is not UTF-8 \(Moodle refuses it too"):
        read_moodle_xml(latin1.encode("latin-1"))
    assert read_moodle_xml(latin1.replace("ISO-8859-1", "UTF-8").encode("utf-8")).items[0].id == "rhone"


def test_names_and_tags_are_read_as_moodle_keeps_them() -> None:
    tags = "<coursetags><tag><text>geography</text></tag></coursetags><tags><tag><text>rivers</text></tag></tags>"
    river = _q(
        "truefalse", "<![CDATA[The <b>Rhine</b> & a < b]]>", '<answer fraction="100"><text>true</text></answer>' + tags
    )
    item = read_moodle_xml(_quiz(river)).items[0]
    assert (item.id, item.tags) == ("the-rhine-a-b", ("geography", "rivers"))  # course tags merged, as Moodle does
