"""What the quiz and history pages say about a question: an answer in words and the server's feedback, as
Markdown, from the view of the item the learner was shown (`QuizTurn.question`, `PastAnswer.question`).

Every text here is untrusted (item text, the learner's own answer, database values): it is shown through
`common.markdown` (raw HTML escaped, no links), and table cells and inline values are escaped for Markdown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ai4d_core.domain.feedback import Feedback, SqlFeedback
from dashboards.common import format_number

_ESCAPE = str.maketrans({c: "\\" + c for c in "\\`*_{}[]<>()#+-.!|~&"})


def escaped(text: object) -> str:
    """`text` as literal Markdown inline text (no emphasis, code, table or link syntax takes effect)."""
    return " ".join(str(text).split()).translate(_ESCAPE)


def _texts(view: Mapping[str, Any], *lists: str) -> dict[str, str]:
    return {c["id"]: str(c["text"]) for name in lists for c in view.get(name) or ()}


def answer_words(view: Mapping[str, Any], answer: Any) -> str:
    """The learner's answer in words, with the texts of the options, entries or targets they chose."""
    if answer is None or answer == "" or answer == [] or answer == {}:
        return "no answer"
    texts = _texts(view, "options", "entries", "targets")
    for gap in view.get("gaps") or ():
        texts.update({c["id"]: str(c["text"]) for c in gap.get("options") or ()})
    kind = view.get("type")
    if kind == "ordering" and isinstance(answer, list):
        return " → ".join(texts.get(str(a), str(a)) for a in answer)
    if kind == "matching" and isinstance(answer, Mapping):
        prompts = _texts(view, "prompts")
        return "; ".join(f"{prompts.get(p, p)} → {texts.get(str(t), str(t))}" for p, t in answer.items())
    if kind == "cloze" and isinstance(answer, Mapping):
        order = [g["id"] for g in view.get("gaps") or ()]
        return " · ".join(
            f"blank {n}: {texts.get(str(answer[g]), str(answer[g]))}"
            for n, g in enumerate(order, start=1)
            if g in answer
        )
    if isinstance(answer, list):
        return "; ".join(texts.get(str(a), str(a)) for a in answer)
    if isinstance(answer, bool):
        return "True" if answer else "False"
    return texts.get(str(answer), str(answer))


AWAITING_REVIEW = "⏳ Awaiting review"


def verdict(score: float | None) -> str:
    """✔ Right, ◐ Partly right or ✘ Not right, with the score; "Awaiting review" for an ungraded open response."""
    if score is None:
        return f"{AWAITING_REVIEW} (not scored yet)"
    mark = "✔ Right" if score >= 1 - 1e-9 else ("◐ Partly right" if score > 0 else "✘ Not right")
    return f"{mark} (score {format_number(score)})"


def _table(columns: Sequence[str], rows: Sequence[Sequence[Any]], more: bool) -> str:
    if not columns:
        return "_no rows_"
    lines = [
        "| " + " | ".join(escaped(c) for c in columns) + " |",
        "|" + "---|" * len(columns),
        *("| " + " | ".join(escaped("NULL" if v is None else v) for v in row) + " |" for row in rows),
    ]
    return "\n".join(lines) + ("\n\n_… more rows_" if more else "") + ("" if rows else "\n\n_no rows_")


def sql_results(sql: SqlFeedback | None) -> tuple[str, str] | None:
    """The learner's first rows and the expected ones, to show side by side (None: no result to compare)."""
    if sql is None or sql.error:
        return None
    return (
        "**Your result (first rows)**\n\n" + _table(sql.columns, sql.rows, sql.more_rows),
        "**Expected result (first rows)**\n\n" + _table(sql.expected_columns, sql.expected_rows, sql.more_expected),
    )


@dataclass(frozen=True, slots=True)
class FeedbackText:
    """The feedback in three parts: what precedes the SQL results, the results (side by side), what follows."""

    before: str
    results: tuple[str, str] | None
    after: str

    def markdown(self) -> str:
        return "\n\n".join([self.before, *(self.results or ()), self.after])


def feedback_text(view: Mapping[str, Any], fb: Feedback, level: int = 4) -> FeedbackText:
    """The feedback beside its question: verdict (a heading of `level`), what was wrong (SQL: the error or why
    the result differs, then the results), the right answer, the explanation."""
    texts = _texts(view, "options", "entries", "targets", "prompts")
    parts = [f"{'#' * level} {verdict(fb.score)}"]
    if fb.wrong and view.get("type") in ("single_choice", "multiple_choice"):
        parts.append("**Wrong choices:** " + "; ".join(escaped(texts.get(w, w)) for w in fb.wrong))
    if fb.missed:
        parts.append("**Right choices you missed:** " + "; ".join(escaped(texts.get(m, m)) for m in fb.missed))
    if fb.details:
        parts.append(
            "\n".join(
                f"- {'✔' if d.right else '✘'} {escaped(d.label)}: you gave {escaped(d.given)}"
                + ("" if d.right else f", expected {escaped(d.expected)}")
                for d in fb.details
            )
        )
    if fb.rubric:
        parts.append("**What the rubric looks for:** " + "; ".join(escaped(p) for p in fb.rubric))
    if fb.missing_concepts:
        parts.append("**Concepts your answer did not show:** " + "; ".join(escaped(c) for c in fb.missing_concepts))
    if fb.sql is not None and fb.sql.error:
        parts.append(f"**Your query did not run:** {escaped(fb.sql.error)}")
    elif fb.sql is not None and fb.sql.reason:
        parts.append(f"**Why it differs:** {escaped(fb.sql.reason)}")
    after = []
    if view.get("type") == "sql_query":
        after.append(f"**A right query:**\n\n```sql\n{fb.right_answer.replace('```', '')}\n```")
    else:
        label = "A model answer" if view.get("type") == "open_response" else "Right answer"
        after.append(f"**{label}:** {escaped(fb.right_answer)}")
    after += [escaped(c) for c in fb.comments]
    if fb.awaiting_review:
        after.append("_An educator will grade this answer; it counts once graded._")
    if fb.review_comment:
        after.append(f"**Your educator's comment:** {escaped(fb.review_comment)}")
    if fb.explanation:
        after.append(f"**Explanation:** {fb.explanation}")
    return FeedbackText("\n\n".join(parts), sql_results(fb.sql), "\n\n".join(after))


def feedback_markdown(view: Mapping[str, Any], fb: Feedback, level: int = 4) -> str:
    """`feedback_text` as one Markdown text."""
    return feedback_text(view, fb, level).markdown()


__all__ = [
    "AWAITING_REVIEW",
    "FeedbackText",
    "answer_words",
    "escaped",
    "feedback_markdown",
    "feedback_text",
    "sql_results",
    "verdict",
]
