# Panel's constructors take untyped **params:
# mypy: disable-error-code="no-untyped-call"
"""Ordering: the entries in a numbered list, each with a "move up" and a "move down" button.

The entries start in the presented (shuffled) order. The rows stay in place and their texts move: the row
at position i shows the i-th entry of `order`. Each button is a real `<button>` named for what it does
("Move “Extract” up", set as text, so screen readers and Playwright find it by that name) and shows an
arrow (the name is kept in the accessibility tree, the arrow drawn by CSS). A click moves the keyboard focus,
in the browser, to the same button of the row the entry moved to (and puts it back there when Bokeh re-renders
the renamed buttons), so pressing Enter again keeps moving the same entry. The first row's up and the last
row's down buttons are disabled.
"""

from __future__ import annotations

from typing import Any

import panel as pn
import param
from panel.viewable import Viewable

from dashboards.common import markdown
from dashboards.question_widgets.base import Question, View, hint, plain, unfit

ARROW_BUTTON_CSS = """
.bk-btn { font-size: 0; min-width: 44px; min-height: 44px; background: #ffffff; color: #1f2933;
  border: 1px solid #52606d; }
.bk-btn::before { content: var(--ai4d-arrow); font-size: 20px; line-height: 1; }
.bk-btn:focus-visible { outline: 3px solid #b35c00; outline-offset: 2px; }
"""
# Focus the target button now, and again at every frame of the next 2 s in which the focus fell to the page: the
# server's new button names make Bokeh re-render the buttons, which drops the focus.
FOCUS_TARGET_JS = """
window.ai4dMoveFocus = target  // the latest click wins over the restores of earlier ones
const focus = () => {
  const view = Bokeh.index.find_one(window.ai4dMoveFocus)
  if (view != null) { view.button_el.focus() }
}
focus()
const until = performance.now() + 2000
const restore = () => {
  if (document.activeElement == null || document.activeElement === document.body) { focus() }
  if (performance.now() < until) { requestAnimationFrame(restore) }
}
requestAnimationFrame(restore)
"""


class OrderingQuestion(Question):
    """The entry ids in the learner's order (always a full order: the presented one until moved)."""

    order = param.List(default=[], item_type=str)

    def __init__(self, view: View, **params: Any) -> None:
        super().__init__(view, **params)
        self._texts = {str(e["id"]): str(e["text"]) for e in view["entries"]}
        self.order = list(self._texts)
        self.param.watch(self._refresh, "order")
        self._refresh()

    def value(self) -> Any:
        return list(self.order)

    def set_value(self, answer: Any) -> None:
        if not isinstance(answer, list | tuple) or sorted(map(str, answer)) != sorted(self._texts):
            raise unfit(self, answer)
        self.order = [str(a) for a in answer]

    def move(self, position: int, step: int) -> None:
        """Swap the entry at `position` (0-based) with its neighbour above (`step` -1) or below (+1)."""
        other = position + step
        if self.disabled or not (0 <= position < len(self.order) and 0 <= other < len(self.order)):
            return
        order = list(self.order)
        order[position], order[other] = order[other], order[position]
        self.order = order

    def _build(self) -> Viewable:
        n = len(self.order)
        texts = [markdown("", sizing_mode="stretch_width", margin=(0, 10)) for _ in range(n)]
        ups = [self._button(i, -1, "↑", first=i == 0) for i in range(n)]
        downs = [self._button(i, +1, "↓", first=i == n - 1) for i in range(n)]
        for i in range(n):  # focus follows the moved entry (the rows stay, their texts move)
            if i > 0:
                ups[i].js_on_click(args={"target": ups[i - 1] if i > 1 else downs[0]}, code=FOCUS_TARGET_JS)
            if i < n - 1:
                downs[i].js_on_click(args={"target": downs[i + 1] if i < n - 2 else ups[n - 1]}, code=FOCUS_TARGET_JS)

        def show(*_: Any) -> None:
            for i, entry in enumerate(self.order):
                texts[i].object = self._texts[entry]
                ups[i].label = f"Move “{plain(self._texts[entry])}” up"
                downs[i].label = f"Move “{plain(self._texts[entry])}” down"

        show()
        self.param.watch(show, "order")
        rows = [
            pn.Row(markdown(f"{i + 1}.", width=28, margin=(0, 0, 0, 10)), texts[i], ups[i], downs[i],
                   sizing_mode="stretch_width", align="center", css_classes=["ai4d-ordering-row"])
            for i in range(n)
        ]  # fmt: skip
        instruction = hint("Put the entries in the right order with the ↑ and ↓ buttons.")
        return pn.Column(instruction, *rows, sizing_mode="stretch_width", css_classes=["ai4d-ordering"])

    def _button(self, position: int, step: int, arrow: str, *, first: bool) -> pn.widgets.Button:
        """A move button; `first`: the end of the list it would move past (always disabled)."""
        button = pn.widgets.Button(
            label="", stylesheets=[ARROW_BUTTON_CSS], styles={"--ai4d-arrow": f'"{arrow}"'}, margin=(2, 3),
            disabled=True if first else self.param.disabled, align="center",
        )  # fmt: skip
        button.on_click(lambda _: self.move(position, step))
        return button


__all__ = ["OrderingQuestion"]
