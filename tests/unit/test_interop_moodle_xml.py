"""Moodle XML in and out: every feature round-trips, DTDs and entities are refused, a malformed file is refused
whole, naming the question."""

from __future__ import annotations

from pathlib import Path

import pytest

from ai4d_core.domain.items import ItemStatus, NumericItem, parse_item
from ai4d_core.interop import PLACEHOLDER_MODEL_ANSWER, MoodleXmlError, parse_gift, parse_moodle_xml, to_moodle_xml
from ai4d_core.interop._common import MOODLE_NO_WORD_LIMIT
from ai4d_core.item_bank import load_demo_items

pytestmark = pytest.mark.unit
DATA = Path(__file__).resolve().parents[1] / "data" / "interop"
# What Moodle XML cannot carry here (see ai4d_core/interop/moodle_xml.py): they take the importer's defaults.
LOST_IN_XML = {"version", "level", "difficulty", "subtopic", "language", "provenance", "status", "calibration"}


def _import(text: str | bytes, **kwargs):
    return parse_moodle_xml(text, default_topic="misc", default_level=2, **kwargs)


def _quiz(*questions: str) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n' + "\n".join(questions) + "\n</quiz>\n"


def _question(qtype: str, name: str, body: str) -> str:
    return (
        f'<question type="{qtype}"><name><text>{name}</text></name>'
        f"<questiontext><text>Question {name}?</text></questiontext>{body}</question>"
    )


@pytest.fixture(scope="module")
def items():
    return _import((DATA / "every_feature.xml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def by_id(items):
    return {item.id: item for item in items}


def test_every_feature_imports_exports_and_reimports_to_the_same_items(items) -> None:
    exported = to_moodle_xml(items)
    again = _import(exported)
    print(f"{len(items)} items, {len(exported)} characters of XML")
    assert again == items
    assert to_moodle_xml(again) == exported
    assert _import(exported.encode("utf-8")) == items  # bytes too
    assert {i.type for i in items} == {
        "single_choice", "multiple_choice", "true_false", "short_answer", "numeric", "matching", "open_response",
        "cloze",
    }  # fmt: skip
    assert {(i.provenance, i.status) for i in items} == {("import:moodle_xml", ItemStatus.PROVISIONAL)}


def test_categories_ids_tags_and_html(items, by_id) -> None:
    joins = by_id["sql.left_join"]  # the idnumber
    assert joins.topic == "sql_joins"
    assert joins.tags == ("joins", "sql")
    assert joins.stem == "Which join keeps every row of the left table?"  # HTML made text
    assert joins.explanation == "A LEFT JOIN keeps unmatched left rows & fills NULLs."
    assert (joins.key, joins.negative_marking) == ("a", False)
    assert by_id["negative-marking"].negative_marking  # from the name: no idnumber
    assert by_id["pi"].topic == "statistics"


def test_choice_true_false_short_answer_numeric(by_id) -> None:
    aggregates = by_id["aggregates"]
    assert [(o.text, o.weight, o.feedback) for o in aggregates.options] == [
        ("COUNT", 0.5, "Counts rows."),
        ("SUM", 0.5, ""),
        ("UPPER", -1.0, "A scalar function."),
        ("LENGTH", 0.0, ""),
    ]
    assert [o.weight for o in by_id["thirds"].options] == [0.3333333, 0.3333333, 0.3333333, -1.0]
    assert by_id["null-keys"].key is False
    mean = by_id["mean-synonym"]
    assert [(a.text, a.weight, a.feedback) for a in mean.answers] == [
        ("average", 1.0, "Yes."),
        ("expected value", 0.5, "Of a distribution."),
    ]  # the `*` answer worth nothing (catch-all feedback) is not carried
    assert (mean.case_sensitive, by_id["case-matters"].case_sensitive) == (False, True)
    pi = by_id["pi"]
    assert [(a.value, a.tolerance, a.weight) for a in pi.answers] == [(3.14, 0.005, 1.0), (3.0, 0.2, 0.5)]


def test_matching_and_essay(by_id) -> None:
    matching = by_id["measures"]
    assert [p.text for p in matching.prompts] == ["Mean", "Median", "Mode"]
    assert len(matching.targets) == 4  # an empty subquestion adds a distractor
    assert matching.key == {"p1": "t1", "p2": "t2", "p3": "t3"}
    essay = by_id["variance-essay"]
    assert essay.model_answer == "The standard deviation is the square root of the variance."  # graderinfo
    assert essay.explanation == "They measure spread in different units."
    assert essay.max_words == 150
    assert ("variance",) in essay.rubric[0].concepts
    bare = by_id["bare-essay"]
    assert (bare.model_answer, bare.max_words) == (PLACEHOLDER_MODEL_ANSWER, MOODLE_NO_WORD_LIMIT)  # no limit


def test_cloze(by_id) -> None:
    cloze = by_id["capitals-cloze"]
    assert cloze.stem == (
        "Paris is the capital of {{g1}}, which uses the {{g2}} and has about {{g3}} million people; "
        'its motto starts "{{g4}}".'
    )
    g1, g2, g3, g4 = cloze.gaps
    assert (g1.kind, [(a.text, a.weight, a.feedback) for a in g1.answers]) == (
        "short_answer",
        [("France", 1.0, "Yes"), ("la France", 0.5, "Almost")],
    )
    assert (g2.kind, g2.weight, [o.text for o in g2.options], g2.key) == (
        "single_choice",
        2.0,
        ["euro", "franc", "mark"],
        "a",
    )
    assert [(a.value, a.tolerance, a.weight) for a in g3.numeric] == [(68.0, 2.0, 1.0), (68.0, 10.0, 0.5)]
    assert (g4.answers[0].text, g4.case_sensitive) == ("Liberté", True)
    short = by_id["short-forms"]
    assert short.gaps[0].answers[0].text == "a}b"
    assert short.gaps[1].options[0].text == "x ~ y"


def test_gift_items_go_through_moodle_xml() -> None:
    gift = parse_gift((DATA / "every_feature.gift").read_text(encoding="utf-8"), default_topic="misc")
    again = parse_moodle_xml(to_moodle_xml(gift), default_topic="misc")
    item = {i.id: i for i in again}["stats.range"]
    assert isinstance(item, NumericItem)
    ranged = item.answers[0]
    assert (ranged.value, ranged.tolerance) == (3.0, 2.0)  # a range is written as midpoint ± half-width
    for before, after in zip(gift, again, strict=True):
        assert after.model_dump(exclude={"provenance"}) == before.model_dump(exclude={"provenance"}) or (
            before.id == "stats.range"
        )


def test_items_of_the_bank_export_and_come_back_except_what_xml_cannot_carry() -> None:
    source = load_demo_items()
    again = parse_moodle_xml(to_moodle_xml(source), default_topic="misc")
    for before, after in zip(source, again, strict=True):
        assert after.model_dump(exclude=LOST_IN_XML) == before.model_dump(exclude=LOST_IN_XML), before.id


def test_types_moodle_xml_does_not_carry_are_named_or_skipped() -> None:
    sql = parse_item({
        "id": "x.sql", "type": "sql_query", "topic": "sql", "level": 1, "stem": "Count.", "explanation": "E.",
        "fixture": {"setup_sql": "CREATE TABLE t(x INT);"}, "reference_query": "SELECT count(*) FROM t",
    })  # fmt: skip
    with pytest.raises(MoodleXmlError, match=r"item 'x.sql': Moodle XML export does not carry sql_query items"):
        to_moodle_xml([sql])
    assert "<question " not in to_moodle_xml([sql], skip_unsupported=True)


XXE = """<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<quiz><question type="truefalse"><name><text>&secret;</text></name></question></quiz>"""
BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">\n' for i in range(1, 10))
    + ']>\n<quiz><question type="category"><category><text>&lol9;</text></category></question></quiz>'
)
PLAIN_DTD = '<?xml version="1.0"?>\n<!DOCTYPE quiz SYSTEM "http://example.invalid/quiz.dtd">\n<quiz/>'


@pytest.mark.parametrize("text", [XXE, BILLION_LAUGHS, PLAIN_DTD], ids=["external entity", "billion laughs", "dtd"])
def test_dtds_and_entities_are_refused(text) -> None:
    with pytest.raises(MoodleXmlError, match=r"^document: refused \(DTDForbidden\)"):
        _import(text)


GOOD = _question("truefalse", "Fine", '<answer fraction="100"><text>true</text></answer>')
MALFORMED = [  # what Moodle refuses too
    (
        _question(
            "multichoice",
            "Joins",
            '<single>true</single><answer fraction="abc"><text>a</text></answer>'
            '<answer fraction="0"><text>b</text></answer>',
        ),
        "question #2 (multichoice 'Joins'): answer 1 fraction 'abc' is not a number",
    ),
    (
        _question("shortanswer", "Thirds", '<answer fraction="33"><text>a</text></answer>'),
        "question #2 (shortanswer 'Thirds'): grade 33% is not one of Moodle's grades",
    ),
    (
        _question("shortanswer", "Half", '<answer fraction="50"><text>a</text></answer>'),
        "question #2 (shortanswer 'Half'): no answer is worth 100%",
    ),
    (
        _question("multichoice", "One", '<answer fraction="100"><text>a</text></answer>'),
        "question #2 (multichoice 'One'): a multiple choice question needs at least two answers",
    ),
    (_question("multichoice", "Empty", ""), "question #2 (multichoice 'Empty'): has no <answer>"),
    (
        _question("numerical", "Num", '<answer fraction="100"><text>three</text><tolerance>0</tolerance></answer>'),
        "question #2 (numerical 'Num'): answer 1 value 'three' is not a number",
    ),
    (
        _question("numerical", "Tol", '<answer fraction="100"><text>3</text><tolerance>x</tolerance></answer>'),
        "question #2 (numerical 'Tol'): answer 1 tolerance 'x' is not a number",
    ),
    (
        '<question type="cloze"><name><text>C</text></name><questiontext><text>'
        "A {1:MULTICHOICE:=a} gap.</text></questiontext></question>",
        "question #2 (cloze 'C'): embedded answer 1 (MULTICHOICE): this type of part requires at least 2 choices",
    ),
    (
        '<question type="cloze"><name><text>C</text></name><questiontext><text>'
        "A {1:NM:=ten} gap.</text></questiontext></question>",
        "question #2 (cloze 'C'): embedded answer 1 (NM): the answer 'ten' must be a number",
    ),
    (
        '<question type="multianswer"><name><text>C</text></name><questiontext><text>'
        "No gap, and {1:SA} is text.</text></questiontext></question>",
        "question #2 (multianswer 'C'): the question text must include at least one embedded answer",
    ),
    (
        _question("essay", "Words", "<maxwordlimit>many</maxwordlimit>"),
        "question #2 (essay 'Words'): maxwordlimit 'many' is not a whole number",
    ),
]


@pytest.mark.parametrize(("question", "message"), MALFORMED, ids=[m[1].split(": ", 1)[1][:40] for m in MALFORMED])
def test_a_malformed_question_refuses_the_whole_file_naming_it(question, message) -> None:
    with pytest.raises(MoodleXmlError) as caught:
        _import(_quiz(GOOD, question))
    print(caught.value)
    assert str(caught.value).startswith(message)


def test_not_well_formed_xml_names_the_line_and_a_wrong_root_is_named() -> None:
    with pytest.raises(MoodleXmlError, match=r"^line 3, column \d+: not well-formed XML"):
        _import("<?xml version='1.0'?>\n<quiz>\n<question></quiz>")
    with pytest.raises(MoodleXmlError, match=r"root element <questions>"):
        _import("<questions/>")


def test_every_problem_is_listed_in_file_order() -> None:
    bad = _question("numerical", "N", '<answer fraction="100"><text>x</text></answer>')
    with pytest.raises(MoodleXmlError) as caught:
        _import(_quiz(GOOD, _question("shortanswer", "C", '<answer fraction="90"><text>c</text></answer>'), bad))
    assert [p.split(" (")[0] for p in caught.value.problems] == ["question #2", "question #3"]
