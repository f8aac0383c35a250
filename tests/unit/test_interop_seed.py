"""The original AI4D's seed JSON: its questions in, a questionnaire out, and back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ai4d_core.domain import submissions
from ai4d_core.domain.items import ItemStatus, parse_item
from ai4d_core.interop import SeedError, parse_seed_questions, to_seed_questionnaire
from ai4d_core.interop.seed_json import LIST_TAG

pytestmark = pytest.mark.unit
DATA = Path(__file__).resolve().parents[1] / "data" / "interop"


def _load(name: str):
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def _import(data, **kwargs):
    return parse_seed_questions(data, default_topic="seed", default_level=1, **kwargs)


@pytest.fixture(scope="module")
def items():
    return _import(_load("seed_questions.json"))


@pytest.mark.parametrize("name", ["seed_questions.json", "seed_questionnaire.json"])
def test_seed_files_import_export_and_reimport_to_the_same_items(name) -> None:
    items = _import(_load(name))
    exported = to_seed_questionnaire(items, include_answers=True)
    assert _import(exported) == items
    assert _import(json.dumps(exported, ensure_ascii=False)) == items  # JSON text too
    assert to_seed_questionnaire(_import(exported), include_answers=True) == exported


def test_the_four_seed_types_map_to_items(items) -> None:
    assert [i.type for i in items] == [
        "single_choice", "single_choice", "multiple_choice", "true_false", "true_false", "open_response",
        "open_response", "open_response", "open_response",
    ]  # fmt: skip
    assert {(i.provenance, i.status, i.language, i.topic) for i in items} == {
        ("import:seed", ItemStatus.PROVISIONAL, "fr", "seed")
    }
    pandas, having, modify, null_key, python = items[:5]
    assert [o.text for o in pandas.options] == ["pandas", "requests", "flask", "pytest"]  # "A) " dropped
    assert pandas.key == "a"  # correct_answer "A"
    assert having.key == "b"  # correct_answer "HAVING", the option's text
    assert having.explanation.startswith("HAVING filtre")  # "explication"
    assert [o.weight for o in modify.options] == [0.3333333, 0.0, 0.3333333, 0.3333334]
    assert (null_key.key, python.key) == (False, True)


def test_open_and_list_questions(items) -> None:
    supervised, goals, formats, tools = items[5:]
    assert supervised.model_answer.startswith("L'apprentissage supervisé")
    assert ("apprentissage",) in supervised.rubric[0].concepts
    assert goals.rubric[0].concepts == (("objectifs",), ("data",), ("engineering",))  # from the stem
    assert formats.tags == (LIST_TAG,)
    assert formats.rubric[0].name == "Lists the expected elements"
    assert formats.rubric[0].concepts == (("Parquet",), ("ORC",), ("Avro",))
    assert tools.tags == (LIST_TAG,)


def test_a_completed_questionnaire_is_read_for_its_questions() -> None:
    csv, index, sql, cloud = _import(_load("seed_questionnaire.json"))
    assert (csv.key, [o.text for o in csv.options]) == ("b", ["numpy", "pandas", "os"])  # "B. pandas"
    assert index.key is False
    assert sql.type == "open_response"
    assert [c[0] for c in cloud.rubric[0].concepts] == ["Amazon S3", "Google Cloud Storage", "Azure Blob Storage"]


def test_the_questionnaire_sent_to_a_browser_carries_no_answer(items) -> None:
    questionnaire = to_seed_questionnaire(items)
    questions = questionnaire["questions_data"]
    assert [q["numero"] for q in questions] == list(range(1, len(items) + 1))
    assert all("correct_answer" not in q and "explanation" not in q for q in questions)
    assert questions[0] == {
        "numero": 1,
        "id": items[0].id,
        "question": "Quelle bibliothèque Python sert à manipuler des DataFrames ?",
        "type": "ChoixMultiple",
        "options": ["pandas", "requests", "flask", "pytest"],
    }
    assert {q["type"] for q in questions} == {"ChoixMultiple", "VraiOuFaux", "QuestionOuverte", "ListeOuverte"}


def test_the_exported_questionnaire_completed_by_a_learner_is_accepted_and_scored(items) -> None:
    scorable = [i for i in items if i.type in ("single_choice", "true_false")]
    completed = to_seed_questionnaire(scorable)
    for question, answer in zip(completed["questions_data"], ["A", "C", "Faux", "Faux"], strict=True):
        question["user_answer"] = answer
    raw = json.dumps(completed).encode()
    stems = {submissions.normalize_stem(i.stem): i for i in scorable}
    submission = submissions.parse(completed, raw, stems)
    scores = [a.score for a in submissions.score(submission, {i.id: i for i in scorable})]
    assert scores == [1.0, 0.0, 1.0, 0.0]


def test_types_the_seed_has_not_are_named_or_skipped() -> None:
    numeric = parse_item({
        "id": "x.num", "type": "numeric", "topic": "stats", "level": 1, "stem": "How much?", "explanation": "E.",
        "answers": [{"value": 2}],
    })  # fmt: skip
    with pytest.raises(SeedError, match=r"item 'x.num': the seed format has no numeric questions"):
        to_seed_questionnaire([numeric])
    assert to_seed_questionnaire([numeric], skip_unsupported=True) == {"questions_data": []}


def _seed(**fields):
    return {"numero": 3, "question": "Q ?", "type": "ChoixMultiple", "options": ["a", "b"], **fields}


MALFORMED = [
    (_seed(type="Classement"), "type 'Classement' is not ChoixMultiple, VraiOuFaux"),
    (_seed(), "ChoixMultiple needs a correct_answer"),
    (_seed(correct_answer="C"), "correct_answer 'C' is neither an option's letter nor its text"),
    (_seed(options="a, b", correct_answer="A"), "options must be a list of texts"),
    (_seed(type="VraiOuFaux", correct_answer="Peut-être"), "VraiOuFaux needs correct_answer 'Vrai' or 'Faux'"),
    (_seed(type="QuestionOuverte", correct_answer=["x"]), "QuestionOuverte's correct_answer must be a text"),
    (_seed(options=["a", "A"], correct_answer="A"), "options: Value error, texts must be unique"),
    ({"numero": 3, "type": "VraiOuFaux"}, "each question needs a 'question' text"),
]


@pytest.mark.parametrize(("question", "message"), MALFORMED, ids=[m[1][:40] for m in MALFORMED])
def test_a_malformed_question_refuses_them_all_naming_it(question, message) -> None:
    good = {"numero": 1, "question": "Vrai ?", "type": "VraiOuFaux", "correct_answer": "Vrai"}
    with pytest.raises(SeedError) as caught:
        _import({"questions_data": [good, question]})
    print(caught.value)
    assert str(caught.value).startswith("questions_data[1] (numero 3): ")
    assert message in str(caught.value)


@pytest.mark.parametrize(("data", "message"), [("{not json", "document: not JSON"), ({"x": 1}, "expected a list")])
def test_a_document_that_is_not_seed_json_is_refused(data, message) -> None:
    with pytest.raises(SeedError, match=message):
        _import(data)
