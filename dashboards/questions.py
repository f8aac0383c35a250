"""One question of a quiz per item type: its state (the learner's answer, never the key) and the widget a
learner expects for it (the modules of `dashboards.question_widgets`).

`question_for(question)` builds it from the item as the quiz shows it (`QuizTurn.question`, i.e.
`presentation.shown_view`: choices in the attempt's order, no key), or from an `Item` and its presentation
(`Presentation` or its JSON form; None: the authored order), turned into that view first. Each `Question` has
`value()` (the answer in the wire shape `read_answer`/`score_answer` take, None while unanswered),
`set_value(answer)`, `disabled` (read-only, to show a submitted answer beside its feedback), `answered`,
`prompt()` (the stem), `widget()` (the controls) and renders as both (`Viewer`). A page that may show a SQL
question loads Panel's editor when it starts: `pn.extension("codeeditor")` (a model whose code was not loaded
with the page does not render).

| type | widget | labelled by |
| --- | --- | --- |
| single choice, true/false | radio buttons, none preselected | each option's text; hint "Choose one answer." |
| multiple choice | checkboxes | each option's text |
| ordering | numbered rows, ↑/↓ buttons per entry | button names "Move “X” up/down" |
| matching | a select per prompt, "Choose…" first | the prompt's text (a visible `<label>`) |
| cloze | blanks inline in the text: inputs, or selects | "Blank 1", "Blank 2"… (visible `<label>`s) |
| short answer, numeric | a text input (a number is sent as typed) | "Your answer" / "Your answer (a number)" |
| open response | a text area and its live word count | "Your answer" |
| SQL | the tables, Ace code editor, "Run on the sample data" | Ace's own label; hint above it |

Security: item text is untrusted (imports, educators, LLMs). Stems, entries and table cells go through
`common.markdown` (raw HTML escaped, no links); options, prompts, blanks and button names are widget labels,
which Bokeh sets as text. No MultiChoice (its choices.js renders labels as HTML) and no `Str` pane (it puts its
text into HTML unescaped). Nothing of the key (key, weights, accepted answers, rubric, reference query,
explanation) reaches a widget: questions are built from ids and texts only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from ai4d_core.domain.items import Item
from ai4d_core.domain.presentation import shown_view
from ai4d_core.services.quiz_types import SqlContext
from dashboards.question_widgets.base import PresentationLike, Question, View, as_presentation
from dashboards.question_widgets.choices import MultipleChoiceQuestion, SingleChoiceQuestion
from dashboards.question_widgets.cloze import ClozeQuestion
from dashboards.question_widgets.matching import MatchingQuestion
from dashboards.question_widgets.ordering import OrderingQuestion
from dashboards.question_widgets.sql import Preview, SqlQuestion
from dashboards.question_widgets.typed import OpenResponseQuestion, TextQuestion

_BY_TYPE: dict[str, type[Question]] = {
    "single_choice": SingleChoiceQuestion,
    "true_false": SingleChoiceQuestion,
    "multiple_choice": MultipleChoiceQuestion,
    "short_answer": TextQuestion,
    "numeric": TextQuestion,
    "ordering": OrderingQuestion,
    "matching": MatchingQuestion,
    "cloze": ClozeQuestion,
    "open_response": OpenResponseQuestion,
}


def question_for(
    question: Item | Mapping[str, Any],
    presentation: PresentationLike = None,
    *,
    preview: Preview | None = None,
    sql: SqlContext | None = None,
) -> Question:
    """The question for a shown view (`QuizTurn.question`) or for an `Item` shown in `presentation`'s order.

    `preview` (the page's SQL preview callback) and `sql` (`QuizTurn.sql`) serve SQL questions only. Raises
    `PresentationError` when the presentation does not fit the item (another version's order), `ValueError`
    for an unknown type.
    """
    view: View = shown_view(question, as_presentation(presentation)) if isinstance(question, BaseModel) else question
    kind = str(view.get("type"))
    if kind == "sql_query":
        return SqlQuestion(view, preview=preview, sql=sql)
    if kind not in _BY_TYPE:
        raise ValueError(f"no question widget for item type {kind[:40]!r}")
    return _BY_TYPE[kind](view)


__all__ = [
    "ClozeQuestion",
    "MatchingQuestion",
    "MultipleChoiceQuestion",
    "OpenResponseQuestion",
    "OrderingQuestion",
    "Preview",
    "Question",
    "SingleChoiceQuestion",
    "SqlQuestion",
    "TextQuestion",
    "question_for",
]
