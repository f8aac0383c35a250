"""What a learner sees next to a question once it is answered (Moodle's immediate feedback), per type (pure).

`feedback(...)` gives the score, whether it earned full marks, the right answer in words, the explanation,
and what was wrong: `wrong` holds the ids of the options chosen wrongly, the ordering entries out of place,
the matching prompts paired wrongly or the cloze gaps answered wrongly; `missed` the right options of a
multiple-choice item left unchosen. `details` has one line per part (entry, pair, gap) with what was given
and what was expected, in words. SQL feedback holds the error, or the first rows of the learner's result
beside the expected ones, with the comparison's reason.

An open response is graded by an educator: until then its feedback is `awaiting_review` with no score (None),
the model answer and the rubric's points (`rubric`: each criterion with its weight); the rules' rubric score
is only a suggestion for the educator and is not shown. `graded(...)` is the same feedback once graded: the
educator's score and comment.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from ai4d_core.domain import answer_match as match
from ai4d_core.domain.item_types import GAP, AcceptedAnswer, Gap, NumericAnswer
from ai4d_core.domain.items import (
    ClozeItem,
    Item,
    MatchingItem,
    MultipleChoiceItem,
    NumericItem,
    OpenResponseItem,
    OrderingItem,
    ShortAnswerItem,
    SingleChoiceItem,
    SqlQueryItem,
    TrueFalseItem,
)
from ai4d_core.domain.presentation import Presentation
from ai4d_core.domain.result_sets import QueryError, ResultSet
from ai4d_core.domain.scoring import QueryRunner
from ai4d_core.domain.scoring import _gap_score as gap_score  # the rule itself: feedback never disagrees

FEEDBACK_ROWS = 5  # rows of the learner's and the expected SQL result shown side by side


@dataclass(frozen=True, slots=True)
class Detail:
    """One part of an answer: `label` (entry, prompt or blank), what was given and expected, in words."""

    ref: str  # the entry, prompt or gap id (for the page to place it, never shown)
    label: str
    given: str
    expected: str
    right: bool


@dataclass(frozen=True, slots=True)
class SqlFeedback:
    error: str | None  # the database's message when the query did not run
    reason: str | None  # why the result differs from the expected one (None when right)
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()
    expected_columns: tuple[str, ...] = ()
    expected_rows: tuple[tuple[Any, ...], ...] = ()
    more_rows: bool = False  # the learner's result has more rows than shown
    more_expected: bool = False


@dataclass(frozen=True, slots=True)
class Feedback:
    score: float | None  # None: an open response awaiting an educator's grade
    correct: bool
    right_answer: str
    explanation: str
    wrong: tuple[str, ...] = ()
    missed: tuple[str, ...] = ()
    details: tuple[Detail, ...] = ()
    comments: tuple[str, ...] = ()  # authored feedback of the options or answers given
    missing_concepts: tuple[str, ...] = ()
    sql: SqlFeedback | None = None
    awaiting_review: bool = False
    rubric: tuple[str, ...] = ()  # open responses: the rubric's points, "<criterion> (<weight> %)"
    review_comment: str | None = None  # the educator's comment on a graded open response

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Feedback:
        sql = data.get("sql")
        return cls(
            score=None if data["score"] is None else float(data["score"]),
            correct=bool(data["correct"]),
            right_answer=str(data["right_answer"]),
            explanation=str(data["explanation"]),
            wrong=tuple(data.get("wrong", ())),
            missed=tuple(data.get("missed", ())),
            details=tuple(Detail(**d) for d in data.get("details", ())),
            comments=tuple(data.get("comments", ())),
            missing_concepts=tuple(data.get("missing_concepts", ())),
            sql=None if sql is None else SqlFeedback(**{k: _tuples(v) for k, v in sql.items()}),
            awaiting_review=bool(data.get("awaiting_review", False)),
            rubric=tuple(data.get("rubric", ())),
            review_comment=data.get("review_comment"),
        )


def _tuples(value: Any) -> Any:
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


class SqlTrace:
    """A `QueryRunner` that keeps what it ran: the expected result, the learner's result or error."""

    def __init__(self, runner: QueryRunner) -> None:
        self._runner = runner
        self.expected: ResultSet | None = None
        self.got: ResultSet | None = None
        self.error: QueryError | None = None

    def run(self, setup_sql: str, query: str) -> ResultSet:
        try:
            self.got = self._runner.run(setup_sql, query)
        except QueryError as exc:
            self.error = exc
            raise
        return self.got

    def reference(self, setup_sql: str, query: str) -> ResultSet:
        self.expected = self._runner.reference(setup_sql, query)
        return self.expected


def _number(value: float) -> str:
    return f"{value:,.10g}"


def _numeric_words(answers: Sequence[NumericAnswer]) -> str:
    best = next(a for a in answers if a.weight == 1)
    if best.value is None:
        return f"between {_number(best.low or 0.0)} and {_number(best.high or 0.0)}"
    if not best.tolerance:
        return _number(best.value)
    tolerance = f"{best.tolerance * 100:.4g} %" if best.relative else _number(best.tolerance)
    return f"{_number(best.value)} (± {tolerance})"


def _short_words(answers: Sequence[AcceptedAnswer]) -> str:
    full = [a.text for a in answers if a.weight == 1]
    plain = [t for t in full if "*" not in t]
    return plain[0] if plain else full[0].replace("*", "…")


def _comments(*texts: str) -> tuple[str, ...]:
    return tuple(t for t in texts if t)


def _base(item: Item, score: float, right_answer: str, **parts: Any) -> Feedback:
    return Feedback(score, score >= 1.0 - 1e-9, right_answer, item.explanation, **parts)


def _texts(choices: Sequence[Any]) -> dict[str, str]:
    return {c.id: c.text for c in choices}


def _choice(item: SingleChoiceItem, answer: object, score: float, shown: Presentation) -> Feedback:
    wrong = (str(answer),) if answer != item.key else ()
    return _base(item, score, _texts(item.options)[item.key], wrong=wrong)


def _multiple(item: MultipleChoiceItem, answer: object, score: float, shown: Presentation) -> Feedback:
    chosen = set(answer) if isinstance(answer, list | tuple) else set()
    order = shown.options or tuple(o.id for o in item.options)
    by_id = {o.id: o for o in item.options}
    right = [i for i in order if by_id[i].weight > 0]
    return _base(
        item, score, "; ".join(by_id[i].text for i in right),
        wrong=tuple(i for i in order if i in chosen and by_id[i].weight <= 0),
        missed=tuple(i for i in right if i not in chosen),
        comments=_comments(*(by_id[i].feedback for i in order if i in chosen)),
    )  # fmt: skip


def _true_false(item: TrueFalseItem, answer: object, score: float, shown: Presentation) -> Feedback:
    return _base(item, score, "True" if item.key else "False")


def _short(item: ShortAnswerItem, answer: object, score: float, shown: Presentation) -> Feedback:
    text = answer if isinstance(answer, str) else ""
    hits = [a for a in item.answers if match.text_matches(a.text, text, case_sensitive=item.case_sensitive)]
    best = max(hits, key=lambda a: a.weight, default=None)
    return _base(item, score, _short_words(item.answers), comments=_comments(best.feedback if best else ""))


def _numeric(item: NumericItem, answer: object, score: float, shown: Presentation) -> Feedback:
    value = match.parse_number(answer) if isinstance(answer, int | float | str) else None
    hits = [a for a in item.answers if value is not None and match.number_matches(a, value)]
    best = max(hits, key=lambda a: a.weight, default=None)
    return _base(item, score, _numeric_words(item.answers), comments=_comments(best.feedback if best else ""))


def _ordering(item: OrderingItem, answer: object, score: float, shown: Presentation) -> Feedback:
    order = [str(a) for a in answer] if isinstance(answer, list | tuple) else []
    text = _texts(item.entries)
    details = tuple(
        Detail(entry, text[entry], f"place {order.index(entry) + 1}" if entry in order else "not placed",
               f"place {place}", entry in order and order.index(entry) + 1 == place)
        for place, entry in enumerate(item.key, start=1)
    )  # fmt: skip
    return _base(
        item, score, " → ".join(text[e] for e in item.key),
        wrong=tuple(d.ref for d in details if not d.right), details=details,
    )  # fmt: skip


def _matching(item: MatchingItem, answer: object, score: float, shown: Presentation) -> Feedback:
    pairs = answer if isinstance(answer, Mapping) else {}
    prompts, targets = _texts(item.prompts), _texts(item.targets)
    details = tuple(
        Detail(p, prompts[p], targets.get(str(pairs.get(p)), "no match chosen"), targets[t], pairs.get(p) == t)
        for p, t in item.key.items()
    )
    return _base(
        item, score, "; ".join(f"{prompts[p]} → {targets[t]}" for p, t in item.key.items()),
        wrong=tuple(d.ref for d in details if not d.right), details=details,
    )  # fmt: skip


def _gap_expected(gap: Gap) -> str:
    if gap.kind == "numeric":
        return _numeric_words(gap.numeric)
    if gap.kind == "single_choice":
        return _texts(gap.options)[gap.key or ""]
    return _short_words(gap.answers)


def _gap_given(gap: Gap, value: object) -> str:
    if value is None:
        return "left blank"
    if gap.kind == "single_choice":
        return _texts(gap.options).get(str(value), str(value))
    return _number(value) if isinstance(value, float) else str(value)


def _cloze(item: ClozeItem, answer: object, score: float, shown: Presentation) -> Feedback:
    values = answer if isinstance(answer, Mapping) else {}
    gaps = {g.id: g for g in item.gaps}
    details = []
    for number, gap_id in enumerate(GAP.findall(item.stem), start=1):
        gap, value = gaps[gap_id], values.get(gap_id)
        try:
            right = gap_score(gap, value) >= 1.0
        except match.AnswerError:
            right = False
        details.append(Detail(gap_id, f"blank {number}", _gap_given(gap, value), _gap_expected(gap), right))
    return _base(
        item, score, " · ".join(f"{d.label}: {d.expected}" for d in details),
        wrong=tuple(d.ref for d in details if not d.right), details=tuple(details),
    )  # fmt: skip


def _open(item: OpenResponseItem, answer: object, score: float, shown: Presentation) -> Feedback:
    """Awaiting review: the rules' `score` is a suggestion for the educator, never shown as the learner's."""
    points = tuple(f"{c.name} ({c.weight * 100:.3g} %)" for c in item.rubric)
    return Feedback(None, False, item.model_answer, item.explanation, rubric=points, awaiting_review=True)


def graded(awaiting: Feedback, score: float, comment: str | None = None) -> Feedback:
    """The feedback of an open response once an educator graded it `score` (0-1), with their comment."""
    return replace(awaiting, score=score, correct=score >= 1.0 - 1e-9, awaiting_review=False, review_comment=comment)


def json_value(value: object) -> Any:
    """A database value as JSON can carry it (decimals as floats, dates as ISO text, NaN as text)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return str(value)


def _first_rows(result: ResultSet | None) -> tuple[tuple[str, ...], tuple[tuple[Any, ...], ...], bool]:
    if result is None:
        return (), (), False
    rows = tuple(tuple(json_value(v) for v in row) for row in result.rows[:FEEDBACK_ROWS])
    return result.columns, rows, len(result.rows) > FEEDBACK_ROWS


def sql_feedback(item: SqlQueryItem, score: float, reason: str, trace: SqlTrace) -> Feedback:
    """SQL feedback from the verdict (`scoring.sql_verdict`) and what the sandbox returned."""
    columns, rows, more = _first_rows(trace.got)
    expected_columns, expected_rows, more_expected = _first_rows(trace.expected)
    error = trace.error.reason if trace.error is not None else None
    sql = SqlFeedback(error, None if error or not reason else reason, columns, rows, expected_columns, expected_rows,
                      more, more_expected)  # fmt: skip
    return _base(item, score, item.reference_query, sql=sql)


_RULES: dict[type, Callable[[Any, object, float, Presentation], Feedback]] = {
    SingleChoiceItem: _choice, MultipleChoiceItem: _multiple, TrueFalseItem: _true_false, ShortAnswerItem: _short,
    NumericItem: _numeric, OrderingItem: _ordering, MatchingItem: _matching, ClozeItem: _cloze,
    OpenResponseItem: _open,
}  # fmt: skip


def feedback(item: Item, answer: object, score: float, presentation: Presentation | None = None) -> Feedback:
    """The feedback on a scored `answer` (SQL items: `sql_feedback`, which needs the sandbox's results)."""
    if isinstance(item, SqlQueryItem):
        raise TypeError("SQL feedback needs the query results: use sql_feedback")
    rule: Callable[[Any, object, float, Presentation], Feedback] = _RULES[type(item)]
    return rule(item, answer, score, presentation or Presentation())


__all__ = [
    "FEEDBACK_ROWS",
    "Detail",
    "Feedback",
    "SqlFeedback",
    "SqlTrace",
    "feedback",
    "graded",
    "json_value",
    "sql_feedback",
]
