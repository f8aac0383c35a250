# Panel's constructors take untyped **params:
# mypy: disable-error-code="no-untyped-call"
"""What every question shares: the item as shown, the read-only switch, the stem.

A question is built from the item's shown view (`ai4d_core.domain.presentation.shown_view`: the public fields
with the choices in the presented order, never a key, weight, accepted answer or explanation), which is what
the quiz service hands the page (`QuizTurn.question`). A `Question` holds the learner's answer in its
parameters; `value()` gives it in the item type's wire shape (`ai4d_core.domain.item_types`) or None while
unanswered, `set_value` puts a stored answer back (to show it read-only next to its feedback, with
`disabled=True`), and `answered` follows `value()` so a page can enable its Submit button (`edits` counts
every change). `widget()` builds the controls once and returns the same layout each time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import panel as pn
import param
from panel.viewable import Viewable, Viewer

from ai4d_core.domain.presentation import Presentation
from dashboards.common import markdown

View = Mapping[str, Any]  # an item's shown view
PresentationLike = Presentation | Mapping[str, Any] | None
PLACEHOLDER = "Choose…"  # the first entry of every select: nothing is preselected
HINT_COLOR = "#3e4c59"  # 9.4:1 on white (WCAG 2.2 AA asks 4.5:1)


def as_presentation(presentation: PresentationLike) -> Presentation:
    """A `Presentation` from the session's value, its stored JSON form, or None (the authored order)."""
    if isinstance(presentation, Presentation):
        return presentation
    return Presentation.from_dict(presentation)


def plain(text: str) -> str:
    """A label as plain text (widget labels are set as text, so Markdown code marks would show): no backticks."""
    return text.replace("`", "")


def labels(choices: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Label -> id of a view's choices (`{"id", "text"}`), in the shown order; plain labels unless dropping
    backticks would make two alike."""
    plain_labels = {plain(str(c["text"])): str(c["id"]) for c in choices}
    return plain_labels if len(plain_labels) == len(choices) else {str(c["text"]): str(c["id"]) for c in choices}


def stem_pane(text: str, **kwargs: Any) -> pn.pane.Markdown:
    """A stem or instruction: Markdown with raw HTML escaped, fenced code as code, and line breaks kept."""
    return markdown(text, hard_line_break=True, **kwargs)


def fenced(text: str, language: str = "") -> str:
    """`text` as a Markdown code block whose fence no backtick run inside can close."""
    fence = "`" * max([3, *(len(run) + 1 for run in re.findall(r"`{3,}", text))])
    return f"{fence}{language}\n{text}\n{fence}"


def hint(text: str) -> pn.pane.Markdown:
    """A short instruction above the controls ("Choose one answer.")."""
    return markdown(text, styles={"color": HINT_COLOR}, margin=(0, 10), css_classes=["ai4d-question-hint"])


class Question(Viewer):
    """One question of a quiz; subclasses hold the answer of one item type (see the module docstring)."""

    disabled = param.Boolean(default=False, doc="Read-only: the answer shown beside its feedback")
    answered = param.Boolean(default=False, doc="Whether value() holds an answer (kept up to date)")
    edits = param.Integer(default=0, doc="Counts the changes of the answer: watch it to follow value()")

    def __init__(self, view: View, **params: Any) -> None:
        super().__init__(**params)
        self.item_id, self.item_version, self.type = str(view["id"]), int(view["version"]), str(view["type"])
        self.stem, self.topic = str(view["stem"]), str(view["topic"])
        self._layout: Viewable | None = None

    def value(self) -> Any:
        """The answer in the item type's wire shape, or None while unanswered."""
        raise NotImplementedError

    def set_value(self, answer: Any) -> None:
        """Show `answer` (the wire shape `value()` gives) in the controls; ValueError if it does not fit."""
        raise NotImplementedError

    def prompt(self) -> Viewable:
        """The question's text (a cloze shows its text with the blanks in `widget()` instead)."""
        return stem_pane(self.stem, sizing_mode="stretch_width", css_classes=["ai4d-stem"])

    def widget(self) -> Viewable:
        """The controls, built on first use."""
        if self._layout is None:
            self._layout = self._build()
        return self._layout

    def _build(self) -> Viewable:
        raise NotImplementedError

    def _refresh(self, *_: Any) -> None:
        self.param.update(answered=self.value() is not None, edits=self.edits + 1)

    def __panel__(self) -> Viewable:
        return pn.Column(self.prompt(), self.widget(), sizing_mode="stretch_width", css_classes=["ai4d-question"])


def unfit(question: Question, answer: Any) -> ValueError:
    """The error of `set_value` for an answer of another shape (never shows the answer itself)."""
    return ValueError(f"a {type(answer).__name__} is not an answer to question {question.item_id} ({question.type})")


__all__ = [
    "PLACEHOLDER",
    "PresentationLike",
    "Question",
    "View",
    "as_presentation",
    "fenced",
    "hint",
    "labels",
    "plain",
    "stem_pane",
    "unfit",
]
