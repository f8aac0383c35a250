# Panel's constructors take untyped **params:
# mypy: disable-error-code="no-untyped-call"
"""Matching: one select per prompt, labelled with the prompt's text; the targets in the presented order.

Each select starts on "Choose…" (nothing preselected); prompts keep their authored order (they are the
questions). Also used for the choice blanks of a cloze (`Pick`).
"""

from __future__ import annotations

from typing import Any

import panel as pn
import param
from panel.viewable import Viewable

from dashboards.question_widgets.base import PLACEHOLDER, Question, View, hint, labels, plain, unfit

# Bokeh keeps a widget's label on one line: a long prompt ran off a phone's screen. Here it wraps.
PROMPT_CSS = ".bk-input-group { white-space: normal; } label { overflow-wrap: anywhere; }"


class Pick(param.Parameterized):
    """One select's state: an option id, or "" while the placeholder shows."""

    choice: param.Selector[object] = param.Selector(default="", objects=[""])

    def __init__(self, options: dict[str, str], **params: Any) -> None:
        super().__init__(**params)
        self.param.choice.objects = {PLACEHOLDER: "", **options}

    def value(self) -> str | None:
        return str(self.choice) or None

    def set_value(self, answer: object) -> bool:
        """Select `answer` (None: the placeholder); False when it is not an option."""
        if answer is None:
            answer = ""
        if answer not in list(self.param.choice.objects.values()):
            return False
        self.choice = answer
        return True

    def widget(self, label: str, disabled: Any, **kwargs: Any) -> pn.widgets.Select:
        return pn.widgets.Select.from_param(self.param.choice, label=label, disabled=disabled, **kwargs)


class MatchingQuestion(Question):
    """`{prompt id: target id or None}` (None while no prompt is matched)."""

    def __init__(self, view: View, **params: Any) -> None:
        super().__init__(view, **params)
        targets = labels(view["targets"])
        self._prompts = [(str(p["id"]), plain(str(p["text"]))) for p in view["prompts"]]
        self.picks = {prompt: Pick(targets) for prompt, _ in self._prompts}
        for pick in self.picks.values():
            pick.param.watch(self._refresh, "choice")

    def value(self) -> Any:
        pairs = {prompt: pick.value() for prompt, pick in self.picks.items()}
        return pairs if any(t is not None for t in pairs.values()) else None

    def set_value(self, answer: Any) -> None:
        pairs = dict(answer or {})
        if set(pairs) - set(self.picks):
            raise unfit(self, answer)
        for prompt, pick in self.picks.items():
            if not pick.set_value(pairs.get(prompt)):
                raise unfit(self, answer)

    def _build(self) -> Viewable:
        selects = [
            self.picks[prompt].widget(
                text, self.param.disabled, sizing_mode="stretch_width", max_width=560, stylesheets=[PROMPT_CSS]
            )
            for prompt, text in self._prompts
        ]
        return pn.Column(hint("Choose the match of each item."), *selects, sizing_mode="stretch_width")


__all__ = ["MatchingQuestion", "Pick"]
