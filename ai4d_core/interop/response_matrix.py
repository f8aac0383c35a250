"""Read a wide response matrix (CSV text) into the long arrays `calibrate_2pl` takes. Pure: text in, arrays out.

One row per examinee, one column per item (the header holds the item ids), cells `0`, `1` or blank (not
presented); an optional `freq` column (any case) counts identical rows (a whole number; 0 drops the row).
Commas, semicolons or tabs separate the cells (detected from the header). A row that answers no item is
skipped. Files as R and pandas write them are read too: `NA`, `NaN` and `nan` are blanks, `1.0` and `0.0`
(a float column, as pandas writes one with gaps) are 1 and 0, `3.0` is a frequency of 3, and a first column
with an empty header (the row names of R's `write.csv`, the index of pandas' `to_csv`) is left out, and so
is a column of examinee ids when its name is given (`id_column`).
Every problem is refused with its line and column: a cell that is not 0, 1 or blank, a bad `freq`,
an empty or duplicate header, a row of the wrong length, no items, no rows, an item nobody answered.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["ResponseMatrix", "ResponseMatrixError", "csv_rows", "parse_response_matrix"]

FREQ_COLUMN = "freq"
_MISSING = frozenset({"", "na", "nan"})


class ResponseMatrixError(ValueError):
    """A response matrix that cannot be read; the message names the line and column."""


@dataclass(frozen=True)
class ResponseMatrix:
    """Long format: one entry per answered cell; `weights` repeat each row's frequency on its cells."""

    item_ids: tuple[str, ...]
    persons: NDArray[np.intp]
    items: NDArray[np.intp]
    scores: NDArray[np.float64]
    weights: NDArray[np.float64]
    n_examinees: int  # rows read, each counted `freq` times


def _delimiter(header_line: str) -> str:
    counts = {sep: header_line.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda sep: counts[sep]) if any(counts.values()) else ","


def _decimal(text: str) -> float | None:
    """An unsigned decimal written plainly (`3`, `1.0`, `.5`), else None: no sign, exponent, inf or nan."""
    return float(text) if text.replace(".", "", 1).isdigit() else None


def _score(cell: str) -> float | None:
    """0.0 or 1.0; None for a blank; raises `ValueError` for anything else."""
    text = cell.strip()
    if text.lower() in _MISSING:
        return None
    value = _decimal(text)
    if value not in (0.0, 1.0):
        raise ValueError(text)
    return value


def _header(cells: list[str], id_column: str | None) -> tuple[list[str], int | None, int | None]:
    """The column names, the `freq` column and the row-label column (`id_column`, else an empty first header)."""
    names = [c.strip() for c in cells]
    if id_column is not None:
        if id_column not in names:
            raise ResponseMatrixError(f"line 1: no column {id_column!r} (the id column named); the header is {names}")
        label_col: int | None = names.index(id_column)
    else:
        label_col = 0 if len(names) > 1 and not names[0] else None
    freq_at = [i for i, name in enumerate(names) if name.lower() == FREQ_COLUMN]
    if len(freq_at) > 1:
        raise ResponseMatrixError(
            f"line 1: more than one '{FREQ_COLUMN}' column (columns {freq_at[0] + 1} and {freq_at[1] + 1})"
        )
    seen: dict[str, int] = {}
    for col, name in enumerate(names, start=1):
        if col - 1 == label_col:
            continue
        if not name:
            raise ResponseMatrixError(f"line 1, column {col}: empty item id")
        if name in seen:
            raise ResponseMatrixError(f"line 1: duplicate column {name!r} (columns {seen[name]} and {col})")
        seen[name] = col
    if len(names) - len(freq_at) - (label_col is not None) == 0:
        raise ResponseMatrixError("line 1: no item columns")
    return names, (freq_at[0] if freq_at else None), label_col


def _frequency(cell: str, line: int) -> int:
    value = _decimal(cell.strip())
    if value is None or not value.is_integer():
        raise ResponseMatrixError(f"line {line}, column '{FREQ_COLUMN}': {cell!r} is not a whole number >= 0")
    return int(value)


def csv_rows(text: str, header_holds: str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header cells and the (line number, cells) of each non-blank row, for either shape of response file:
    a byte-order mark dropped, the separator detected from the header, every row as long as the header."""
    text = text.removeprefix("\ufeff")
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ResponseMatrixError(f"line 1: no header (expected {header_holds})")
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(lines[0]))
    header = next(reader)

    def rows() -> Iterator[tuple[int, list[str]]]:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                raise ResponseMatrixError(
                    f"line {reader.line_num}: {len(cells)} cells, expected {len(header)} (as in the header)"
                )
            yield reader.line_num, cells

    return header, rows()


def parse_response_matrix(text: str, id_column: str | None = None) -> ResponseMatrix:
    """Parse the CSV text, leaving out the column named `id_column` if given; raises `ResponseMatrixError` with
    the line and column of the first problem."""
    header, rows = csv_rows(text, "the item ids")
    names, freq_col, label_col = _header(header, id_column)
    item_cols = [i for i in range(len(names)) if i not in (freq_col, label_col)]
    persons: list[int] = []
    items: list[int] = []
    scores: list[float] = []
    weights: list[float] = []
    n_rows = n_examinees = 0
    for line, cells in rows:
        freq = 1 if freq_col is None else _frequency(cells[freq_col], line)
        answered = []
        for item, col in enumerate(item_cols):
            try:
                score = _score(cells[col])
            except ValueError:
                hint = " (if this column names the examinees, give it with --id-column)" if col == 0 else ""
                raise ResponseMatrixError(
                    f"line {line}, column {names[col]!r}: {cells[col]!r} is not 0, 1 or blank{hint}"
                ) from None
            if score is not None:
                answered.append((item, score))
        if freq == 0 or not answered:
            continue
        for item, score in answered:
            persons.append(n_rows)
            items.append(item)
            scores.append(score)
            weights.append(float(freq))
        n_rows += 1
        n_examinees += freq
    if n_rows == 0:
        raise ResponseMatrixError("no examinee rows with a response")
    item_idx = np.array(items, dtype=np.intp)
    counts = np.bincount(item_idx, minlength=len(item_cols))
    if (counts == 0).any():
        missing = int(np.flatnonzero(counts == 0)[0])
        raise ResponseMatrixError(f"column {item_cols[missing] + 1} ({names[item_cols[missing]]!r}): no responses")
    return ResponseMatrix(
        tuple(names[c] for c in item_cols),
        np.array(persons, dtype=np.intp),
        item_idx,
        np.array(scores),
        np.array(weights),
        n_examinees,
    )
