"""The learner's question widgets: one per item type, in the order the attempt presents, sending what the server
scores, never showing the key, and keeping hostile item text as text."""

from __future__ import annotations

import html
import json
import random
import re
from typing import Any

import panel as pn
import pytest
from bokeh.document import Document
from bokeh.model import Model

from ai4d_core.adapters.sql_sandbox import DuckDBSandbox
from ai4d_core.domain.answer_reading import read_answer
from ai4d_core.domain.items import ITEM_TYPES, Item, SqlQueryItem, parse_item
from ai4d_core.domain.keys import key_answer
from ai4d_core.domain.presentation import Presentation, PresentationError, present, shown_view
from ai4d_core.domain.scoring import score_answer
from ai4d_core.item_bank import load_curated_bank
from ai4d_core.services import quiz_sql
from ai4d_core.services.quiz_types import SqlPreview, TryLater
from dashboards.question_widgets.base import stem_pane
from dashboards.questions import (
    ClozeQuestion,
    MatchingQuestion,
    MultipleChoiceQuestion,
    OpenResponseQuestion,
    OrderingQuestion,
    Question,
    SingleChoiceQuestion,
    SqlQuestion,
    TextQuestion,
    question_for,
)

pytestmark = pytest.mark.dashboards

CONTROLS = {"RadioGroup", "CheckboxGroup", "Button", "TextInput", "TextAreaInput", "CustomSelect", "AcePlot"}
XSS = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
SANDBOX = DuckDBSandbox()


def _bank() -> list[Item]:
    return list(load_curated_bank())


def _first(item_type: str) -> Any:
    return next(i for i in _bank() if i.type == item_type)


def _models(question: Question) -> list[Any]:
    """Every Bokeh model of the question as a page would render it, layouts first, in page order."""
    found: list[Any] = []
    stack: list[Model] = [pn.Column(question).get_root(Document())]
    while stack:
        model = stack.pop()
        found.append(model)
        stack.extend(reversed(getattr(model, "children", None) or []))
    return found


def _document_json(question: Question) -> str:
    """Every property value of every model the page would get, as text (HTML unescaped)."""
    values = [m.properties_with_values(include_defaults=False) for m in _models(question)]
    return html.unescape(json.dumps(values, default=str, ensure_ascii=False))


def _answer_like_a_learner(question: Question, key: Any) -> None:
    """Set the controls' parameters the way clicks and typing would (ordering: only with the move buttons)."""
    if isinstance(question, SingleChoiceQuestion):
        question.choice = key
    elif isinstance(question, MultipleChoiceQuestion):
        question.picked = list(key)
    elif isinstance(question, OrderingQuestion):
        for target, entry in enumerate(key):
            while (at := question.order.index(entry)) > target:
                question.move(at, -1)
    elif isinstance(question, MatchingQuestion):
        for prompt, target in key.items():
            question.picks[prompt].choice = target
    elif isinstance(question, ClozeQuestion):
        for gap, value in key.items():
            blank = question.blanks[gap]
            if hasattr(blank, "choice"):
                blank.choice = value
            else:
                blank.text = str(value)
    elif isinstance(question, SqlQuestion):
        question.query = key
    else:
        assert isinstance(question, TextQuestion)
        question.text = str(key)


def test_every_item_of_the_bank_gets_the_widget_of_its_type() -> None:
    expected = {
        "single_choice": SingleChoiceQuestion, "true_false": SingleChoiceQuestion,
        "multiple_choice": MultipleChoiceQuestion, "short_answer": TextQuestion, "numeric": TextQuestion,
        "ordering": OrderingQuestion, "matching": MatchingQuestion, "cloze": ClozeQuestion,
        "open_response": OpenResponseQuestion, "sql_query": SqlQuestion,
    }  # fmt: skip
    bank = _bank()
    seen = set()
    for item in bank:
        question = question_for(item, present(item, random.Random(item.id)))
        assert type(question) is expected[item.type], item.id
        assert question.widget() is question.widget()  # built once: the state the page shows
        assert (question.value() is None) is (item.type != "ordering"), item.id  # nothing preselected
        seen.add(item.type)
    assert seen == set(ITEM_TYPES)
    print(f"{len(bank)} items, {len(seen)} types")


def test_the_key_entered_as_a_learner_would_scores_full_marks_for_every_item() -> None:
    """What the widgets send is what `read_answer` reads and `score_answer` scores (the wire shape)."""
    checked = 0
    for item in _bank():
        question = question_for(item, present(item, random.Random(item.id)))
        _answer_like_a_learner(question, key_answer(item))
        assert question.answered
        sent = question.value()
        json.dumps(sent, allow_nan=False)  # it travels as JSON
        assert score_answer(item, read_answer(item, sent), sql=SANDBOX) == pytest.approx(1.0), item.id
        checked += 1
    print(f"{checked} keys entered and scored")
    assert checked > 300


def test_a_stored_answer_shows_again_and_sends_the_same_value() -> None:
    for item in _bank():
        question = question_for(item, present(item, random.Random(item.id)))
        _answer_like_a_learner(question, key_answer(item))
        sent = question.value()
        again = question_for(item, present(item, random.Random(item.id)))
        again.set_value(sent)
        again.disabled = True
        assert again.value() == sent, item.id


def test_the_controls_show_the_presented_order() -> None:
    rng = random.Random(3)
    single, multiple = _first("single_choice"), _first("multiple_choice")
    for item in (single, multiple):
        shown = present(item, rng)
        texts = {o.id: o.text.replace("`", "") for o in item.options}
        (group,) = [m for m in _models(question_for(item, shown)) if hasattr(m, "labels")]
        assert group.labels == [texts[i] for i in shown.options]
    ordering = _first("ordering")
    shown = present(ordering, rng)
    question = question_for(ordering, shown)
    assert question.value() == list(shown.entries) != list(ordering.key)
    names = [m.label for m in _models(question) if type(m).__name__ == "Button" and str(m.label).endswith("” up")]
    texts = {e.id: e.text.replace("`", "") for e in ordering.entries}
    assert names == [f"Move “{texts[i]}” up" for i in shown.entries]
    matching = _first("matching")
    shown = present(matching, rng)
    targets = {t.id: t.text.replace("`", "") for t in matching.targets}
    selects = [m for m in _models(question_for(matching, shown)) if hasattr(m, "options")]
    assert len(selects) == len(matching.prompts)
    for select in selects:
        assert [label for _, label in select.options] == ["Choose…", *(targets[i] for i in shown.targets)]
        assert select.value == ""  # the placeholder: nothing preselected


def test_a_question_built_from_the_quiz_view_is_the_same_as_from_the_item() -> None:
    """The page gets `QuizTurn.question` (the shown view): the same widget, the same wire shape."""
    item = _first("matching")
    shown = present(item, random.Random(5))
    from_view, from_item = question_for(shown_view(item, shown)), question_for(item, shown)
    assert _document_json(from_view).count("Choose…") == _document_json(from_item).count("Choose…")
    _answer_like_a_learner(from_view, key_answer(item))
    _answer_like_a_learner(from_item, key_answer(item))
    assert from_view.value() == from_item.value()


def test_a_presentation_of_another_version_is_refused() -> None:
    item = _first("single_choice")
    with pytest.raises(PresentationError):
        question_for(item, Presentation(options=("a", "zz")))
    with pytest.raises(ValueError, match="no question widget"):
        question_for({"id": "x-1", "version": 1, "type": "essay", "stem": "?", "topic": "t"})


def _secrets(item: Item) -> set[str]:
    """Texts only the key holds (long enough to be told apart from ordinary words, absent from the public view)."""
    data = item.model_dump(mode="json")
    public = json.dumps(shown_view(item, Presentation()))
    found = {data["explanation"]}
    found.update(a["text"] for a in data.get("answers", []) if isinstance(a, dict) and "text" in a)
    found.update(o.get("feedback", "") for o in data.get("options", []))
    found.update(a["text"] for g in data.get("gaps", []) for a in g.get("answers", []))
    found.update(phrase for c in data.get("rubric", []) for concept in c["concepts"] for phrase in concept)
    found.update(filter(None, [data.get("model_answer"), data.get("reference_query")]))
    return {s for s in found if len(s) >= 12 and s not in public and s.replace("*", "") not in public}


def test_nothing_of_the_key_reaches_the_page() -> None:
    checked = 0
    for item in _bank():
        secrets = _secrets(item)
        if not secrets:
            continue
        page = _document_json(question_for(item, present(item, random.Random(1))))
        leaked = [s for s in secrets if s in page]
        assert not leaked, item.id
        checked += len(secrets)
    print(f"{checked} key texts looked for, none on the page")
    assert checked > 500


def _hostile(item_type: str) -> Item:
    choices = [{"id": "a", "text": f"A {XSS}"}, {"id": "b", "text": f"B {XSS}"}]
    base = {"id": "x-1", "topic": "t", "level": 1, "stem": f"Stem {XSS} {{{{g1}}}}", "explanation": "e"}
    extras: dict[str, dict[str, Any]] = {
        "single_choice": {"options": choices, "key": "a"},
        "multiple_choice": {"options": [{**choices[0], "weight": 1.0}, choices[1]]},
        "ordering": {"entries": choices, "key": ["a", "b"]},
        "matching": {"prompts": [{"id": "p1", "text": f"P1 {XSS}"}, {"id": "p2", "text": f"P2 {XSS}"}],
                     "targets": choices, "key": {"p1": "a", "p2": "b"}},
        "cloze": {"gaps": [{"id": "g1", "kind": "single_choice", "options": choices, "key": "a"}]},
        "sql_query": {"fixture": {"setup_sql": f"CREATE TABLE t (x VARCHAR); INSERT INTO t VALUES ('{XSS}');"},
                      "reference_query": "SELECT x FROM t"},
    }  # fmt: skip
    return parse_item({**base, "type": item_type, **extras[item_type]})


@pytest.mark.parametrize(
    "item_type", ["single_choice", "multiple_choice", "ordering", "matching", "cloze", "sql_query"]
)
def test_hostile_item_text_stays_text(item_type: str) -> None:
    """HTML in stems, options, entries, prompts, targets, blanks and tables is escaped or set as plain text."""
    item = _hostile(item_type)
    context = quiz_sql.sql_context(SANDBOX, item) if isinstance(item, SqlQueryItem) else None
    question = question_for(item, sql=context)
    models = _models(question)
    rendered = [html.unescape(m.text) for m in models if type(m).__name__ == "HTML"]  # what becomes innerHTML
    assert not any(re.search(r"<(img|script)\b", text) for text in rendered)
    assert sum("&lt;img" in text for text in rendered) >= (2 if item_type in ("ordering", "sql_query") else 1)
    if item_type != "sql_query":  # the options' own text is kept, as a plain-text label
        labels = [str(getattr(m, name, "")) for m in models for name in ("labels", "options", "label", "title")]
        assert any(XSS in label for label in labels)
    assert not any(type(m).__name__ in ("MultiChoice", "Str") for m in models)  # both render text as HTML


def test_ordering_moves_with_its_buttons_and_not_past_the_ends() -> None:
    item = _first("ordering")
    question = question_for(item, present(item, random.Random(2)))
    assert isinstance(question, OrderingQuestion)
    start = question.value()
    question.move(0, -1)
    question.move(len(start) - 1, +1)
    assert question.value() == start
    question.move(1, -1)
    assert question.value() == [start[1], start[0], *start[2:]]
    buttons = [m for m in _models(question) if type(m).__name__ == "Button"]
    assert buttons[0].disabled and buttons[-1].disabled  # the first row's up, the last row's down
    assert all(b.label.startswith("Move “") for b in buttons)
    question.disabled = True
    question.move(1, -1)
    assert question.value() == [start[1], start[0], *start[2:]]  # read-only


def test_cloze_blanks_sit_in_the_text_numbered_as_the_server_counts_them() -> None:
    item = parse_item({
        "id": "x-2", "type": "cloze", "topic": "t", "level": 1, "explanation": "e",
        "stem": "Complete:\n```python\nfrom collections import {{g2}}\n    top = counts.{{g1}}(1)\n```\nIt is {{g3}}.",
        "gaps": [
            {"id": "g1", "kind": "short_answer", "answers": [{"text": "most_common"}]},
            {"id": "g2", "kind": "short_answer", "answers": [{"text": "Counter"}]},
            {"id": "g3", "kind": "single_choice", "key": "a",
             "options": [{"id": "a", "text": "a dict"}, {"id": "b", "text": "a list"}]},
        ],
    })  # fmt: skip
    question = question_for(item, Presentation(gaps={"g3": ("b", "a")}))
    assert isinstance(question, ClozeQuestion)
    models = _models(question)
    titles = [m.title for m in models if type(m).__name__ in ("TextInput", "CustomSelect")]
    assert sorted(titles) == ["Blank 1", "Blank 2", "Blank 3"]
    assert question.numbers == {"g2": 1, "g1": 2, "g3": 3}  # the order of the text (as `read_answer` says)
    (select,) = [m for m in models if type(m).__name__ == "CustomSelect"]
    assert [label for _, label in select.options] == ["Choose…", "a list", "a dict"]
    texts = [html.unescape(m.text) for m in models if type(m).__name__ == "HTML"]
    assert any("<code>" in t and "\xa0\xa0\xa0\xa0top\xa0=\xa0counts." in t for t in texts)  # code, spaces kept
    assert not any("```" in t for t in texts)
    question.set_value({"g2": "Counter"})
    assert question.value() == {"g1": None, "g2": "Counter", "g3": None}


def test_a_number_is_sent_as_typed_and_read_by_the_server() -> None:
    item = _first("numeric")
    question = question_for(item)
    assert isinstance(question, TextQuestion)
    question.text = " 4,722,432 "
    assert question.value() == "4,722,432"
    assert read_answer(item, question.value()) == 4722432
    (field,) = [m for m in _models(question) if type(m).__name__ == "TextInput"]
    assert field.title == "Your answer (a number)"


def test_an_open_answer_counts_its_words_as_it_is_typed() -> None:
    item = _first("open_response")
    question = question_for(item)
    assert isinstance(question, OpenResponseQuestion)
    question.widget()
    assert question.count_text() == f"0 words of at most {question.max_words}"
    question.text = "Partition   by date,\nthen cluster."
    assert question.count_text() == f"5 words of at most {question.max_words}"
    question.text = "word " * (question.max_words + 1)
    assert question.count_text().startswith(f"**{question.max_words + 1} words**: keep it to")


def test_sql_shows_the_tables_and_previews_through_the_page_callback() -> None:
    item = _first("sql_query")
    calls: list[str] = []

    def preview(query: str) -> SqlPreview:
        calls.append(query)
        return quiz_sql.preview(SANDBOX, item, query)

    question = question_for(item, preview=preview, sql=quiz_sql.sql_context(SANDBOX, item))
    assert isinstance(question, SqlQuestion)
    page = _document_json(question)
    assert "Table dim\\\\_product" in page or "Table dim_product" in page
    assert "Espresso beans" in page and "CREATE TABLE" not in page
    assert any(type(m).__name__ == "AcePlot" and m.language == "sql" for m in _models(question))
    question.run_preview()
    assert question.result == "Write a query first." and not calls
    question.query = "SELECT category, COUNT(*) AS n FROM dim_product GROUP BY 1 ORDER BY 1"
    question.run_preview()
    assert "| Accessories | 2 |" in question.result and "| Coffee | 2 |" in question.result
    question.query = "SELEC 1"
    question.run_preview()
    assert question.result.startswith("Your query did not run:") and "syntax error" in question.result
    assert len(calls) == 2


def test_sql_preview_refusals_are_said_and_failures_do_not_break_the_page() -> None:
    item = _first("sql_query")

    def too_fast(query: str) -> SqlPreview:
        raise TryLater("Wait 3 s before running the query again.", 3.0)

    def broken(query: str) -> SqlPreview:
        raise RuntimeError("worker crashed at /srv/secret/path")

    for preview, said in ((too_fast, "Wait 3 s before running the query again."),
                          (broken, "The preview could not run just now; try again in a moment.")):  # fmt: skip
        question = question_for(item, preview=preview)
        assert isinstance(question, SqlQuestion)
        question.query = "SELECT 1"
        question.run_preview()
        assert question.result == said
    fallback = _document_json(question_for(item))  # no context: the fixture's own SQL, as code
    assert 'class="language-sql"' in fallback and "Espresso beans" in fallback


def test_read_only_disables_every_control() -> None:
    for item in (_first(t) for t in ITEM_TYPES):
        question = question_for(item, preview=lambda q: SqlPreview())
        question.disabled = True
        controls = [m for m in _models(question) if type(m).__name__ in CONTROLS]
        assert controls, item.type
        assert all(m.disabled for m in controls), item.type


def test_an_answer_of_another_shape_is_refused_by_set_value() -> None:
    wrong_shapes = {"single_choice": "zz", "ordering": ["a"], "matching": {"p9": "t1"}, "multiple_choice": ["zz"],
                    "numeric": [1], "sql_query": 3}  # fmt: skip
    for item_type, wrong in wrong_shapes.items():
        item = _first(item_type)
        with pytest.raises(ValueError, match="is not an answer to question"):
            question_for(item).set_value(wrong)


def test_stems_keep_their_line_breaks_and_fenced_code_and_escape_html() -> None:
    pane: Any = stem_pane(f"Look:\nline two {XSS}\n\n```python\ndef f():\n    return 1\n```").get_root()
    text = html.unescape(pane.text)
    assert "Look:<br />\nline two" in text  # a line break in the text stays one
    assert re.search(r"<pre>.*\n    <span[^>]*>return</span>", text, re.DOTALL)  # code, indentation kept
    assert "&lt;img" in text and "<img" not in text and "<script" not in text
