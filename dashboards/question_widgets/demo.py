# Panel's constructors take untyped **params:
# mypy: disable-error-code="no-untyped-call"
"""One question of each item type on a page, for browser checks (rendering, keyboard, axe) and for a look.

`demo_page()` shows, for each type, the first curated item of that type in a shuffled presentation, its
controls, and under them the answer as the page would send it (JSON, class `ai4d-demo-answer`); a
"Read-only" switch disables every question. Served on its own (no login, no data):
`panel serve dashboards/question_widgets/demo.py` (with `BOKEH_RESOURCES=server`: Panel serves Ace itself),
or `sandboxed_demo_page()` in a test's own app (the SQL question then has its tables and a working preview).
"""

from __future__ import annotations

import json
import random

import panel as pn

from ai4d_core.domain.items import ITEM_TYPES, Item, SqlQueryItem
from ai4d_core.domain.presentation import present
from ai4d_core.item_bank import load_curated_bank
from ai4d_core.services.quiz_types import SqlContext
from dashboards.common import markdown
from dashboards.question_widgets.base import Question
from dashboards.question_widgets.sql import Preview
from dashboards.questions import question_for


def demo_items() -> list[Item]:
    """The first curated item of each type, in `ITEM_TYPES` order."""
    first: dict[str, Item] = {}
    for item in load_curated_bank():
        first.setdefault(item.type, item)
    return [first[t] for t in ITEM_TYPES if t in first]


def demo_questions(seed: int = 7, preview: Preview | None = None, sql: SqlContext | None = None) -> list[Question]:
    rng = random.Random(seed)
    return [question_for(item, present(item, rng), preview=preview, sql=sql) for item in demo_items()]


def demo_page(seed: int = 7, preview: Preview | None = None, sql: SqlContext | None = None) -> pn.Column:
    """Every question type on one page, each followed by its current answer in the wire shape."""
    questions = demo_questions(seed, preview, sql)
    read_only = pn.widgets.Toggle(label="Read-only")  # Checkbox: no <label> (axe)
    cards = []
    for number, question in enumerate(questions, start=1):
        answer = markdown("", css_classes=["ai4d-demo-answer"], sizing_mode="stretch_width")

        def show(*_: object, question: Question = question, answer: pn.pane.Markdown = answer) -> None:
            answer.object = f"Answer: `{json.dumps(question.value(), ensure_ascii=False)}`"

        show()
        question.param.watch(show, "edits")
        read_only.link(question, value="disabled")
        heading = pn.pane.Markdown(f"## Question {number} ({question.type.replace('_', ' ')})")
        cards.append(pn.Column(heading, question, answer, sizing_mode="stretch_width", css_classes=["ai4d-demo-card"]))
    return pn.Column(pn.pane.Markdown("# Question widgets"), read_only, *cards, sizing_mode="stretch_width",
                     max_width=900, styles={"margin": "0 auto"})  # fmt: skip


def sandboxed_demo_page(seed: int = 7) -> pn.Column:
    """`demo_page` with the SQL question's tables and preview from an in-process sandbox (as the quiz does)."""
    from ai4d_core.adapters.sql_sandbox import DuckDBSandbox
    from ai4d_core.services import quiz_sql

    sandbox, item = DuckDBSandbox(), next(i for i in demo_items() if isinstance(i, SqlQueryItem))
    context = quiz_sql.sql_context(sandbox, item)
    return demo_page(seed, preview=lambda query: quiz_sql.preview(sandbox, item, query), sql=context)


if __name__.startswith("bokeh"):
    pn.extension("codeeditor")
    sandboxed_demo_page().servable(title="Question widgets")


__all__ = ["demo_items", "demo_page", "demo_questions", "sandboxed_demo_page"]
