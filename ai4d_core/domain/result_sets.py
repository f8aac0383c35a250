"""Result sets of SQL queries and their comparison (pure: the sandbox that produces them is an adapter).

Two result sets are the same answer when:

- they have as many columns, of the same type family, in the same order (column names are ignored: `AS`
  aliases are a matter of taste). Families: every integer, decimal and floating type is a number; VARCHAR
  and ENUM are text; a `NULL`-typed column (`SELECT NULL`) fits any family; any other type must match exactly;
- they have the same rows, as a multiset, or in the same order when order matters;
- NULLs equal NULLs (and NaN equals NaN); numbers are equal within the item's float tolerance, absolute or
  relative, whichever is larger: |a - b| <= tol * max(1, |a|, |b|); any other value must be equal.

Whether order matters is the item's `order_matters`, or when that is None, whether the reference query has a
top-level ORDER BY (`has_top_level_order_by`: comments, strings and parenthesised parts are skipped).
Ties under the reference's ORDER BY are not relaxed: a reference whose ORDER BY leaves ties should set
`order_matters=False` or break the ties.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from ai4d_core.domain.answer_match import AnswerError

Row = tuple[object, ...]


@dataclass(frozen=True)
class ResultSet:
    """What a query returned: column names and types (DuckDB type names, e.g. `DECIMAL(4,2)`) and rows."""

    columns: tuple[str, ...]
    types: tuple[str, ...]
    rows: tuple[Row, ...]


class QueryError(Exception):
    """The learner's query ran into an error, the time limit or the row limit: a wrong answer, scoring 0.

    `reason` is safe to show to the learner (about their SQL, never about the server).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class QuerySyntaxError(QueryError):
    """The learner's SQL does not parse (DuckDB's Parser Error): the quiz sends it back to fix, unscored."""


class QueryRefusedError(AnswerError):
    """The learner's SQL is not one read-only query (a single SELECT or WITH): refused, not scored."""


class FixtureError(RuntimeError):
    """The item's fixture or reference query does not run: the item is broken, not the answer."""


_NUMBER_TYPES = re.compile(r"^(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|FLOAT|REAL|DOUBLE|DECIMAL.*|VARINT|BIGNUM)$")
_TEXT_TYPES = re.compile(r"^(VARCHAR|ENUM.*)$")
_SKIPPED = re.compile(r"--[^\n]*|/\*.*?\*/|'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"", re.DOTALL)
_ORDER_BY = re.compile(r"\border\s+by\b", re.IGNORECASE)


def type_family(type_name: str) -> str:
    """`number`, `text`, `null` or the type name itself (upper-cased)."""
    name = type_name.strip().strip('"').upper()  # DuckDB spells the type of `SELECT NULL` "NULL", quoted
    if _NUMBER_TYPES.match(name):
        return "number"
    if _TEXT_TYPES.match(name):
        return "text"
    return "null" if name == "NULL" else name


def has_top_level_order_by(sql: str) -> bool:
    """Whether the query orders its final result (an ORDER BY outside every parenthesis)."""
    flat = _SKIPPED.sub(" ", sql)
    depth, top = 0, []
    for char in flat:
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        top.append(char if depth == 0 and char not in "()" else " ")
    return _ORDER_BY.search("".join(top)) is not None


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def values_equal(a: object, b: object, tolerance: float) -> bool:
    """NULL = NULL, NaN = NaN, numbers within tolerance, anything else by `==`."""
    if a is None or b is None:
        return a is None and b is None
    if _is_number(a) and _is_number(b):
        if isinstance(a, int) and isinstance(b, int):
            return a == b
        x, y = float(a), float(b)  # type: ignore[arg-type]
        if math.isnan(x) or math.isnan(y):
            return math.isnan(x) and math.isnan(y)
        if math.isinf(x) or math.isinf(y):
            return x == y
        return abs(x - y) <= tolerance * max(1.0, abs(x), abs(y))
    return a == b


def _rows_equal(a: Row, b: Row, tolerance: float) -> bool:
    return len(a) == len(b) and all(values_equal(x, y, tolerance) for x, y in zip(a, b, strict=True))


def _sort_key(row: Row) -> tuple[tuple[int, object], ...]:
    def key(value: object) -> tuple[int, object]:
        if value is None:
            return (0, 0.0)
        if _is_number(value):
            number = float(value)  # type: ignore[arg-type]
            return (1, 0.0) if math.isnan(number) else (2, number)
        return (3, value) if isinstance(value, str) else (4, repr(value))

    return tuple(key(v) for v in row)


def _same_multiset(expected: Sequence[Row], got: Sequence[Row], tolerance: float) -> bool:
    left, right = sorted(expected, key=_sort_key), sorted(got, key=_sort_key)
    if all(_rows_equal(a, b, tolerance) for a, b in zip(left, right, strict=True)):
        return True
    # Values within the tolerance may sort differently: pair rows greedily instead (quadratic, small sets).
    unused = list(right)
    for row in left:
        match = next((i for i, other in enumerate(unused) if _rows_equal(row, other, tolerance)), None)
        if match is None:
            return False
        unused.pop(match)
    return True


def compare(expected: ResultSet, got: ResultSet, *, ordered: bool, tolerance: float) -> str | None:
    """None when `got` is the same answer as `expected`, else a short reason fit for the learner."""
    if len(got.types) != len(expected.types):
        return f"expected {len(expected.types)} columns, got {len(got.types)}"
    for index, (want, have) in enumerate(zip(expected.types, got.types, strict=True), start=1):
        want_family, have_family = type_family(want), type_family(have)
        if want_family != have_family and "null" not in (want_family, have_family):
            return f"column {index} should be of type {want_family.lower()}, got {have_family.lower()}"
    if len(got.rows) != len(expected.rows):
        return f"expected {len(expected.rows)} rows, got {len(got.rows)}"
    if ordered:
        if all(_rows_equal(a, b, tolerance) for a, b in zip(expected.rows, got.rows, strict=True)):
            return None
        same = _same_multiset(expected.rows, got.rows, tolerance)
        return "the rows are right but not in the expected order" if same else "the rows differ from the expected"
    return None if _same_multiset(expected.rows, got.rows, tolerance) else "the rows differ from the expected"
