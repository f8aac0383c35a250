# Panel's constructors take untyped **params:
# mypy: disable-error-code="no-untyped-call"
"""SQL: the tables' schema and sample rows, a code editor, and a "Run on the sample data" preview.

- The tables are the quiz's `SqlContext` (`QuizTurn.sql`: each table's columns, types and first rows, read
  from the fixture by the sandbox); without it the fixture's own SQL (CREATE TABLE and INSERT) shows as code.
  Names and cells go through Markdown, escaped: item text never becomes HTML.
- The editor is Panel's `CodeEditor` (Ace, served by this server with the rest of Panel's bundle: nothing
  from a CDN, and it runs under our CSP). Ace keeps Tab for indenting, which would trap a keyboard user, so
  `AceKeyboard` turns on Ace's keyboard-accessibility mode: Tab reaches the editor, Enter starts typing,
  Esc stops, Tab moves on (Ace labels the editor with those instructions; the hint above says it too).
- `preview` is the page's callback, e.g. `lambda query: quiz_sessions.preview_sql(c, user, session_id, query)`
  (sandboxed, rate-limited): it returns an `SqlPreview` (rows, or `error`) or raises an error whose message is
  for the learner (`TryLater`, `QuizError`: both `ValueError`s).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import panel as pn
import param
from panel.reactive import ReactiveHTML
from panel.viewable import Viewable

from ai4d_core.services.quiz_types import SqlContext, SqlPreview
from dashboards.common import markdown
from dashboards.question_widgets.base import Question, View, fenced, hint, unfit

LOG = logging.getLogger(__name__)
PREVIEW_FAILED = "The preview could not run just now; try again in a moment."
TABLE_CSS = """
table { border-collapse: collapse; }
th, td { border: 1px solid #9aa5b1; padding: 2px 8px; overflow-wrap: anywhere; }
"""
_MARKDOWN_PUNCTUATION = str.maketrans({c: "\\" + c for c in "\\`*_{}[]<>()#+-.!|~&"})


Preview = Callable[[str], SqlPreview]


class AceKeyboard(ReactiveHTML):
    """Invisible: makes every Ace editor created after it keyboard-accessible (see the module docstring)."""

    _template = '<div id="ace_keyboard" style="display: none"></div>'
    _scripts = {
        "render": "if (window.ace) { ace.config.setDefaultValue('editor', 'enableKeyboardAccessibility', true) }"
    }


def cell(value: object) -> str:
    """A value as the text of a Markdown table cell: escaped, on one line, NULL for None."""
    text = "NULL" if value is None else str(value)
    return " ".join(text.split()).translate(_MARKDOWN_PUNCTUATION) or " "


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[object]], more_rows: bool) -> str:
    """A Markdown table, with a line saying when more rows exist than are shown."""
    head = "| " + " | ".join(cell(c) for c in columns) + " |\n|" + "---|" * len(columns)
    body = "".join("\n| " + " | ".join(cell(v) for v in row) + " |" for row in rows)
    return head + body + (f"\n\n(the first {len(rows)} rows; there are more)" if more_rows else "")


def context_markdown(context: SqlContext) -> str:
    """Each table: its name and columns with their types, then its sample rows."""
    parts = []
    for table in context.tables:
        schema = ", ".join(f"{cell(name)} {cell(kind)}" for name, kind in table.columns)
        sample = markdown_table([name for name, _ in table.columns], table.rows, table.more_rows)
        parts.append(f"**Table {cell(table.name)}** ({schema})\n\n{sample}")
    return "\n\n".join(parts)


class SqlQuestion(Question):
    """The query as typed (None while blank)."""

    query = param.String(default="")
    result = param.String(default="", doc="Markdown: the last preview's rows or error")

    def __init__(
        self, view: View, *, preview: Preview | None = None, sql: SqlContext | None = None, **params: Any
    ) -> None:
        super().__init__(view, **params)
        self._preview, self._context = preview, sql
        self._setup = str(view.get("fixture", {}).get("setup_sql", ""))
        self.param.watch(self._refresh, "query")

    def value(self) -> Any:
        return self.query if self.query.strip() else None

    def set_value(self, answer: Any) -> None:
        if answer is not None and not isinstance(answer, str):
            raise unfit(self, answer)
        self.query = answer or ""

    def run_preview(self) -> None:
        """Run the learner's query on the sample data through the page's `preview` and show the outcome."""
        if self._preview is None or not self.query.strip():
            self.result = "Write a query first." if self._preview else ""
            return
        try:
            got = self._preview(self.query)
        except ValueError as exc:  # rate-limited, or the quiz ended: said for the learner
            self.result = str(exc)
            return
        except Exception:
            LOG.exception("SQL preview failed for item %s", self.item_id)
            self.result = PREVIEW_FAILED
            return
        if got.error:
            self.result = f"Your query did not run:\n\n{fenced(got.error, 'text')}"
        else:
            shown = markdown_table(got.columns, got.rows, got.more_rows) if got.columns else "(no columns)"
            self.result = f"Your query's result on the sample data:\n\n{shown}"

    def _data(self) -> pn.pane.Markdown:
        if self._context is not None and self._context.tables:
            text = context_markdown(self._context)
        else:
            text = f"The data (created by this SQL):\n\n{fenced(self._setup, 'sql')}"
        return markdown(text, stylesheets=[TABLE_CSS], sizing_mode="stretch_width", css_classes=["ai4d-sql-data"])

    def _build(self) -> Viewable:
        editor = pn.widgets.CodeEditor(
            value=self.query, language="sql", theme="github_light_default", height=180, sizing_mode="stretch_width",
            disabled=self.param.disabled, readonly=self.param.disabled, styles={"border": "1px solid #52606d"},
        )  # fmt: skip
        editor.param.watch(lambda event: setattr(self, "query", event.new), "value")
        self.param.watch(lambda event: editor.param.update(value=event.new), "query")
        keys = "With the keyboard: Tab to the editor, Enter to type in it, Esc to stop, then Tab to move on."
        parts: list[Any] = [self._data(), hint(f"Your query. {keys}"), AceKeyboard(width=0, height=0, margin=0), editor]
        if self._preview is not None:
            run = pn.widgets.Button(label="Run on the sample data", disabled=self.param.disabled)
            run.on_click(lambda _: self.run_preview())
            parts += [run, markdown(self.param.result, stylesheets=[TABLE_CSS], sizing_mode="stretch_width",
                                    css_classes=["ai4d-sql-preview"])]  # fmt: skip
        return pn.Column(*parts, sizing_mode="stretch_width")


__all__ = ["AceKeyboard", "Preview", "SqlQuestion", "cell", "context_markdown", "markdown_table"]
