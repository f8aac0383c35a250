"""Server-side scoring (DESIGN §5): one pure rule per item type, each a fraction in [-1, 1] (clamped as QTI does).

A client's score is never read. Answer shapes are listed in `item_types`; an answer of the wrong shape
(wrong type, unknown or repeated id, not a permutation, NaN, too long...) raises `AnswerError`, whose message
starts with the item id. Conventions follow Moodle:

- single choice: 1 for the key; a wrong option 0, or -1/(n-1) with negative marking;
- multiple choice: the sum of the chosen options' weights, floored at 0 unless negative marking is on;
- short answer and numeric: the best weight among the accepted answers that match (`answer_match`);
- ordering: all or nothing, the share of entries in their place, or the share of the key's n-1 consecutive
  pairs that are also consecutive in the answer;
- matching: the share of prompts matched right (a missing or null prompt is wrong; targets may be reused);
- cloze: the mean of the gaps' scores weighted by the gaps' weights; a gap scores like a short answer, a
  number or a single choice (never negatively); a missing (or null) gap scores 0;
- open response: the rule-based rubric suggestion (`rubric_coverage`): the rubric-weighted share of concepts
  the answer states (by word stems; not under a negation, not words of the stem), less the penalties of the
  misconceptions it reveals, within [0, 1]. It is a suggestion for the educator who grades the answer;
  `open_response_coverage` gives its details. An empty answer scores 0; one longer than 2 x `max_words` words
  is refused.
- SQL: the learner's query runs in a sandbox (a `QueryRunner`, passed as `sql=`; without one the answer is
  refused) and its result set is compared with the reference's (`result_sets.compare`). A query that is not
  text, is empty, or is not one SELECT/WITH statement is refused (`AnswerError`); a query that runs into an
  SQL error, the time limit or the row limit is a wrong answer: it scores 0, and `sql_verdict` gives the
  reason. A broken fixture or reference raises `FixtureError` (the item's fault, not the learner's).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import singledispatch
from typing import Protocol

from ai4d_core.domain import answer_match as match
from ai4d_core.domain.answer_match import AnswerError
from ai4d_core.domain.item_types import Gap
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
from ai4d_core.domain.result_sets import FixtureError, QueryError, QueryRefusedError, ResultSet, compare
from ai4d_core.domain.result_sets import has_top_level_order_by as _orders
from ai4d_core.domain.rubric_coverage import RubricCoverage, coverage

MAX_SQL_CHARS = 5000


class QueryRunner(Protocol):
    """Runs SQL on a fresh copy of a fixture (see `adapters.sql_sandbox.DuckDBSandbox`)."""

    def run(self, setup_sql: str, query: str) -> ResultSet:
        """The learner's query: `QueryRefusedError` if not one SELECT/WITH, `QueryError` if it fails to run."""
        ...

    def reference(self, setup_sql: str, query: str) -> ResultSet:
        """The item's reference query (may be cached); `FixtureError` if it or the fixture fails."""
        ...


@dataclass(frozen=True)
class SqlVerdict:
    score: float
    reason: str  # empty when right


def clamp(score: float) -> float:
    """Keep a score within [-1, 1], as QTI does."""
    return max(-1.0, min(1.0, score))


@contextmanager
def _about(item: Item) -> Iterator[None]:
    """Prefix an `AnswerError` with the item id."""
    try:
        yield
    except AnswerError as exc:
        raise type(exc)(f"item {item.id}: {exc}") from None


def score_answer(item: Item, answer: object, *, sql: QueryRunner | None = None) -> float:
    """Score `answer` to `item`; raises `AnswerError` when the answer does not fit the item."""
    with _about(item):
        if isinstance(item, SqlQueryItem):
            return _sql(item, answer, sql).score
        return clamp(_score(item, answer))


def sql_verdict(item: SqlQueryItem, answer: object, runner: QueryRunner | None) -> SqlVerdict:
    """The SQL score with its reason (see the module docstring)."""
    with _about(item):
        return _sql(item, answer, runner)


def _sql(item: SqlQueryItem, answer: object, runner: QueryRunner | None) -> SqlVerdict:
    if runner is None:
        raise AnswerError("SQL answers need the sandbox")
    if not isinstance(answer, str) or not answer.strip():
        raise AnswerError("answer must be a non-empty SQL query")
    if len(answer) > MAX_SQL_CHARS:
        raise AnswerError(f"answer is longer than {MAX_SQL_CHARS} characters")
    expected = runner.reference(item.fixture.setup_sql, item.reference_query)
    try:
        got = runner.run(item.fixture.setup_sql, answer)
    except QueryError as exc:
        return SqlVerdict(0.0, exc.reason)
    ordered = _orders(item.reference_query) if item.order_matters is None else item.order_matters
    reason = compare(expected, got, ordered=ordered, tolerance=item.float_tolerance)
    return SqlVerdict(0.0, reason) if reason else SqlVerdict(1.0, "")


@singledispatch
def _score(item: object, answer: object) -> float:
    raise AnswerError(f"no scoring rule for {type(item).__name__}")


@_score.register
def _(item: SingleChoiceItem, answer: object) -> float:
    return match.choice_score([o.id for o in item.options], item.key, answer, negative=item.negative_marking)


@_score.register
def _(item: MultipleChoiceItem, answer: object) -> float:
    chosen = match.id_list(answer, "option")
    weights = {o.id: o.weight for o in item.options}
    match.check_known(chosen, set(weights), "option")
    total = sum(weights[c] for c in chosen)
    return total if item.negative_marking else max(0.0, total)


@_score.register
def _(item: TrueFalseItem, answer: object) -> float:
    if not isinstance(answer, bool):
        raise AnswerError(f"answer must be true or false, got {type(answer).__name__}")
    return 1.0 if answer is item.key else 0.0


@_score.register
def _(item: ShortAnswerItem, answer: object) -> float:
    return match.short_answer_score(item.answers, answer, case_sensitive=item.case_sensitive)


@_score.register
def _(item: NumericItem, answer: object) -> float:
    return match.numeric_score(item.answers, answer)


@_score.register
def _(item: OrderingItem, answer: object) -> float:
    order = match.id_list(answer, "entry")
    match.check_known(order, set(item.key), "entry")
    if len(order) != len(item.key):
        raise AnswerError("answer must list every entry exactly once")
    if item.grading == "all_or_nothing":
        return 1.0 if tuple(order) == item.key else 0.0
    if item.grading == "absolute_position":
        return sum(a == k for a, k in zip(order, item.key, strict=True)) / len(item.key)
    position = {entry: index for index, entry in enumerate(order)}
    pairs = zip(item.key, item.key[1:], strict=False)
    return sum(position[b] == position[a] + 1 for a, b in pairs) / (len(item.key) - 1)


@_score.register
def _(item: MatchingItem, answer: object) -> float:
    pairs = match.id_mapping(answer, "prompt")
    match.check_known(pairs, set(item.key), "prompt")
    targets = [t for t in pairs.values() if t is not None]  # null: left unanswered
    if not all(isinstance(t, str) for t in targets):
        raise AnswerError("each prompt must map to a target id")
    match.check_known(targets, {t.id for t in item.targets}, "target")  # type: ignore[arg-type]
    return sum(pairs.get(prompt) == target for prompt, target in item.key.items()) / len(item.key)


def _gap_score(gap: Gap, answer: object) -> float:
    if answer is None:
        return 0.0
    if gap.kind == "numeric":
        return match.numeric_score(gap.numeric, answer)
    if gap.kind == "single_choice":
        assert gap.key is not None  # the model guarantees a key for a choice gap
        return match.choice_score([o.id for o in gap.options], gap.key, answer, negative=False)
    if isinstance(answer, int | float) and not isinstance(answer, bool):
        answer = str(answer)  # a number typed into a text gap
    return match.short_answer_score(gap.answers, answer, case_sensitive=gap.case_sensitive)


@_score.register
def _(item: ClozeItem, answer: object) -> float:
    values = match.id_mapping(answer, "gap")
    match.check_known(values, {g.id for g in item.gaps}, "gap")
    total = 0.0
    for gap in item.gaps:
        try:
            total += gap.weight * _gap_score(gap, values.get(gap.id))
        except AnswerError as exc:
            raise AnswerError(f"gap {gap.id}: {exc}") from None
    return total / sum(g.weight for g in item.gaps)


def open_response_coverage(item: OpenResponseItem, answer: object) -> RubricCoverage:
    """The rubric suggestion with its details; `AnswerError` (naming the item) if the answer is not text or too long."""
    with _about(item):
        return _coverage(item, answer)


def _coverage(item: OpenResponseItem, answer: object) -> RubricCoverage:
    if not isinstance(answer, str):
        raise AnswerError(f"answer must be text, got {type(answer).__name__}")
    limit = 2 * item.max_words
    if len(answer) > 40 * limit or len(answer.split()) > limit:
        raise AnswerError(f"answer is longer than {limit} words")
    return coverage(item, answer)


@_score.register
def _(item: OpenResponseItem, answer: object) -> float:
    return _coverage(item, answer).score


__all__ = [
    "AnswerError",
    "FixtureError",
    "QueryError",
    "QueryRefusedError",
    "QueryRunner",
    "ResultSet",
    "RubricCoverage",
    "SqlVerdict",
    "clamp",
    "open_response_coverage",
    "score_answer",
    "sql_verdict",
]
