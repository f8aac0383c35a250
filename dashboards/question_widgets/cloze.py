# Panel's constructors take untyped **params:
# mypy: disable-error-code="no-untyped-call"
"""Cloze: the blanks inline in the text, as a reader expects, wrapping with the words on a phone.

Each line of the stem is a block; in it, text fragments (Markdown, raw HTML escaped) and the blanks' controls
are inline elements (Bokeh puts every component in its own element: our stylesheets make those inline), so
the text flows around the blanks. Lines inside a fenced code block show as code, spaces kept. A blank is a
text input, or a select starting on "Choose…" when the blank has options (in the presented order), each
labelled "Blank 1", "Blank 2"… in the order of the text: the numbers the server's messages and the feedback
use (`answer_reading`, `feedback`).
"""

from __future__ import annotations

import re
from typing import Any

import panel as pn
import param
from panel.viewable import Viewable

from ai4d_core.domain.item_types import GAP
from dashboards.common import markdown
from dashboards.question_widgets.base import HINT_COLOR, Question, View, hint, labels, unfit
from dashboards.question_widgets.matching import Pick
from dashboards.question_widgets.typed import number_text, text_widget

LINE_CSS = ":host { display: block !important; line-height: 2.5; }"
TEXT_CSS = """
:host { display: inline !important; }
div, p { display: inline; margin: 0; }
code { color: #1f4e8c; }
"""
BLANK_CSS = f"""
:host {{ display: inline-block !important; vertical-align: baseline; }}
.bk-input-group {{ flex-direction: row; align-items: baseline; gap: 4px; }}
label {{ font-size: 0.8rem; color: {HINT_COLOR}; white-space: nowrap; }}
input::placeholder {{ color: #5f6b7a; }}
"""
_BLOCK_START = re.compile(r"^(\s*)([#>*+-]|\d+[.)]|=+|_+)")  # what would make an inline fragment a block


def _inline(text: str) -> str:
    """Markdown for a fragment of a sentence: a leading `-`, `1.`, `#`... stays text, not a list or heading."""
    return _BLOCK_START.sub(lambda m: m[1] + "".join("\\" + c for c in m[2]), text)


def _code(text: str) -> str:
    """A fragment of a code line as a Markdown code span, its spaces kept (as no-break spaces)."""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    return f"{fence}{text.replace(' ', chr(0xA0))}{fence}"


class Blank(param.Parameterized):
    """One text blank's state: the text as typed."""

    text = param.String(default="")


class ClozeQuestion(Question):
    """`{gap id: text, number as typed, option id, or None}` (None while every blank is empty)."""

    def __init__(self, view: View, **params: Any) -> None:
        super().__init__(view, **params)
        gaps = {str(g["id"]): g for g in view["gaps"]}
        self.numbers = {gap: n for n, gap in enumerate(GAP.findall(self.stem), start=1)}
        self.blanks: dict[str, Blank | Pick] = {
            gap: Pick(labels(gaps[gap]["options"])) if gaps[gap].get("options") else Blank() for gap in self.numbers
        }
        self._numeric = {gap for gap, g in gaps.items() if g.get("kind") == "numeric"}
        for state in self.blanks.values():
            state.param.watch(self._refresh, "choice" if isinstance(state, Pick) else "text")

    def value(self) -> Any:
        filled = {
            gap: state.value() if isinstance(state, Pick) else (state.text.strip() or None)
            for gap, state in self.blanks.items()
        }
        return filled if any(v is not None for v in filled.values()) else None

    def set_value(self, answer: Any) -> None:
        values = dict(answer or {})
        if set(values) - set(self.blanks):
            raise unfit(self, answer)
        for gap, state in self.blanks.items():
            given = values.get(gap)
            if isinstance(state, Pick):
                if not state.set_value(given):
                    raise unfit(self, answer)
            elif given is None:
                state.text = ""
            else:
                state.text = number_text(given) if gap in self._numeric else str(given)

    def prompt(self) -> Viewable:
        return hint("Fill in the blanks.")

    def _build(self) -> Viewable:
        lines: list[Viewable] = []
        in_code = False
        for line in self.stem.split("\n"):
            if line.strip().startswith("```"):
                in_code = not in_code
                continue
            parts = GAP.split(line)  # text, gap id, text, gap id, ..., text
            pieces = [
                self._blank(part) if i % 2 else self._text(part, code=in_code)
                for i, part in enumerate(parts)
                if i % 2 or part.strip()
            ]
            lines.append(pn.Column(*pieces, stylesheets=[LINE_CSS], sizing_mode="stretch_width", margin=(0, 10)))
        return pn.Column(*lines, sizing_mode="stretch_width", css_classes=["ai4d-cloze"])

    def _text(self, text: str, *, code: bool) -> Viewable:
        return markdown(_code(text) if code else _inline(text), stylesheets=[TEXT_CSS], margin=0)

    def _blank(self, gap: str) -> Viewable:
        state, label = self.blanks[gap], f"Blank {self.numbers[gap]}"
        common: dict[str, Any] = {"disabled": self.param.disabled, "stylesheets": [BLANK_CSS], "margin": (0, 4)}
        if isinstance(state, Pick):
            return state.widget(label, **common, width=210)
        placeholder = "number" if gap in self._numeric else ""
        return text_widget(
            state, "text", pn.widgets.TextInput, label=label, placeholder=placeholder, width=170, **common
        )


__all__ = ["ClozeQuestion"]
