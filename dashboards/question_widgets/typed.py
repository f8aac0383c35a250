# Panel's constructors take untyped **params:
# mypy: disable-error-code="no-untyped-call"
"""Typed answers: a text input (short answer, numeric) and a text area with a live word count (open response).

The text follows every keystroke (`value_input`), so a page's Submit button is enabled as soon as something
is typed. A number is sent as typed (`"4,722,432"`, `"15 %"`): the server reads it
(`ai4d_core.domain.answer_reading.read_number`) and sends back what it cannot read, with a plain message.
"""

from __future__ import annotations

from typing import Any

import panel as pn
import param
from panel.viewable import Viewable

from ai4d_core.domain.answer_reading import word_count
from dashboards.common import markdown
from dashboards.question_widgets.base import HINT_COLOR, Question, View, unfit

NUMBER_PLACEHOLDER = "a number, e.g. 1234.5 or 15 %"
OVER_LIMIT_COLOR = "#9b1c1c"  # 7.6:1 on white


def text_widget(
    owner: param.Parameterized, field: str, widget_type: type[pn.widgets.Widget], **kwargs: Any
) -> pn.widgets.Widget:
    """A text widget whose typing (`value_input`) sets `owner.<field>`, and that shows what `owner` sets there."""
    text = getattr(owner, field)
    widget = widget_type(value=text, value_input=text, **kwargs)
    widget.param.watch(lambda event: setattr(owner, field, event.new), "value_input")

    def show(event: param.parameterized.Event) -> None:
        if getattr(widget, "value_input", None) != event.new:
            widget.param.update(value=event.new, value_input=event.new)

    owner.param.watch(show, field)
    return widget


def number_text(answer: object) -> str:
    """A stored number as a learner would type it: 4722432.0 -> "4722432", 0.1 -> "0.1"."""
    if isinstance(answer, bool) or not isinstance(answer, int | float | str):
        raise TypeError(type(answer).__name__)
    if isinstance(answer, float) and answer.is_integer():
        return str(int(answer))
    return str(answer)


class TextQuestion(Question):
    """A short answer or a number: the text as typed, trimmed (None while empty)."""

    text = param.String(default="")

    def __init__(self, view: View, **params: Any) -> None:
        super().__init__(view, **params)
        self.param.watch(self._refresh, "text")

    def value(self) -> Any:
        return self.text.strip() or None

    def set_value(self, answer: Any) -> None:
        try:
            self.text = "" if answer is None else number_text(answer) if self.type == "numeric" else str(answer)
        except TypeError:
            raise unfit(self, answer) from None

    def _build(self) -> Viewable:
        numeric = self.type == "numeric"
        return text_widget(
            self, "text", pn.widgets.TextInput, label="Your answer (a number)" if numeric else "Your answer",
            placeholder=NUMBER_PLACEHOLDER if numeric else "", disabled=self.param.disabled,
            sizing_mode="stretch_width", max_width=420,
        )  # fmt: skip


class OpenResponseQuestion(TextQuestion):
    """A written answer with its word count under the text area ("42 words of at most 300")."""

    def __init__(self, view: View, **params: Any) -> None:
        super().__init__(view, **params)
        self.max_words = int(view["max_words"])

    def count_text(self) -> str:
        words = word_count(self.text)
        unit = "word" if words == 1 else "words"
        if words > self.max_words:
            return f"**{words:,} {unit}**: keep it to {self.max_words:,}."
        return f"{words:,} {unit} of at most {self.max_words:,}"

    def _build(self) -> Viewable:
        area = text_widget(
            self, "text", pn.widgets.TextAreaInput, label="Your answer", disabled=self.param.disabled,
            sizing_mode="stretch_width", height=180, max_length=40 * self.max_words,
        )  # fmt: skip
        count = markdown(self.count_text(), styles={"color": HINT_COLOR}, css_classes=["ai4d-word-count"])

        def show(*_: Any) -> None:
            count.object = self.count_text()
            count.styles = {"color": OVER_LIMIT_COLOR if word_count(self.text) > self.max_words else HINT_COLOR}

        self.param.watch(show, "text")
        return pn.Column(area, count, sizing_mode="stretch_width")


__all__ = ["NUMBER_PLACEHOLDER", "OpenResponseQuestion", "TextQuestion", "number_text", "text_widget"]
