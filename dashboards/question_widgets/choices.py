# Panel's constructors take untyped **params:
# mypy: disable-error-code="no-untyped-call"
"""Choice questions: radio buttons (single choice, true/false) and checkboxes (multiple choice).

Options are shown in the presented order, each as the plain-text label of its input (the label names the
input for assistive technology); nothing is preselected.
"""

from __future__ import annotations

from typing import Any

import panel as pn
import param
from panel.viewable import Viewable

from dashboards.question_widgets.base import Question, View, hint, labels, unfit

TRUE_FALSE = {"True": True, "False": False}
# Bokeh keeps each option on one line (`white-space: nowrap`): a long option ran off a phone's screen. Here an
# option wraps beside its button, and each row is a touch target of at least 24 px (WCAG 2.2, 2.5.8).
CHOICE_CSS = """
.bk-input-group { white-space: normal; }
.bk-input-group > label { display: flex; align-items: flex-start; gap: 0.4em; min-height: 24px; padding: 2px 0; }
.bk-input-group > label > input { flex: none; margin-top: 0.2em; }
"""

_CHOICE_STYLE: dict[str, Any] = {"stylesheets": [CHOICE_CSS], "sizing_mode": "stretch_width"}


class AnswerChoices(pn.widgets.RadioBoxGroup):
    """Radio buttons that start with nothing selected (Panel's default preselects the first option)."""

    _allows_none = True


class SingleChoiceQuestion(Question):
    """One option picked: an option id (single choice) or a bool (true/false)."""

    choice: param.Selector[object] = param.Selector(default=None, objects=[], allow_None=True, label="")

    def __init__(self, view: View, **params: Any) -> None:
        super().__init__(view, **params)
        self.param.choice.objects = dict(TRUE_FALSE) if self.type == "true_false" else labels(view["options"])
        self.param.watch(self._refresh, "choice")

    def value(self) -> Any:
        return self.choice

    def set_value(self, answer: Any) -> None:
        if answer is not None and answer not in list(self.param.choice.objects.values()):
            raise unfit(self, answer)
        self.choice = answer

    def _build(self) -> Viewable:
        radios = AnswerChoices.from_param(
            self.param.choice, label="", inline=False, disabled=self.param.disabled, **_CHOICE_STYLE
        )
        return pn.Column(hint("Choose one answer."), radios, sizing_mode="stretch_width")


class MultipleChoiceQuestion(Question):
    """Several options picked: their ids (None while none is)."""

    picked = param.ListSelector(default=[], objects=[], label="")

    def __init__(self, view: View, **params: Any) -> None:
        super().__init__(view, **params)
        self.param.picked.objects = labels(view["options"])
        self.param.watch(self._refresh, "picked")

    def value(self) -> Any:
        return list(self.picked) or None

    def set_value(self, answer: Any) -> None:
        ids = set(self.param.picked.objects.values())
        chosen = list(answer or [])
        if not all(isinstance(a, str) and a in ids for a in chosen):
            raise unfit(self, answer)
        self.picked = chosen

    def _build(self) -> Viewable:
        boxes = pn.widgets.CheckBoxGroup.from_param(
            self.param.picked, label="", inline=False, disabled=self.param.disabled, **_CHOICE_STYLE
        )
        return pn.Column(hint("Choose every right answer (one or more)."), boxes, sizing_mode="stretch_width")


__all__ = ["AnswerChoices", "MultipleChoiceQuestion", "SingleChoiceQuestion"]
