"""Read a long response table (CSV text, a row per answer) into the `ResponseMatrix` that `calibrate_2pl` takes.

The shape of logs and of public data sets such as ASSISTments or EdNet: a header, then one row per answer
with the examinee, the item and the score (`0` or `1`; blank or `NA`: not presented), in columns named by the
caller; other columns are ignored. Examinees and items are numbered in order of first appearance. The 2PL
takes one response per examinee and item, so an examinee's later answers to an item they already answered
are left out (the first in file order counts) and counted in `repeats`. Cells are read as in
`response_matrix` (commas, semicolons or tabs; `1.0`/`0.0`; a byte-order mark). Every problem is refused with
its line and column. Pure: text in, arrays out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ai4d_core.interop.response_matrix import ResponseMatrix, ResponseMatrixError, _score, csv_rows

__all__ = ["LongColumns", "LongResponses", "parse_long_responses"]


@dataclass(frozen=True)
class LongColumns:
    """The header names of the examinee, item and score columns."""

    examinee: str = "examinee"
    item: str = "item"
    score: str = "score"

    @classmethod
    def parse(cls, spec: str) -> LongColumns:
        """`EXAMINEE,ITEM,SCORE` (three distinct names) as typed on a command line."""
        names = [n.strip() for n in spec.split(",")]
        if len(names) != 3 or not all(names) or len(set(names)) != 3:
            raise ResponseMatrixError(f"columns {spec!r}: expected three distinct names, EXAMINEE,ITEM,SCORE")
        return cls(*names)


@dataclass(frozen=True)
class LongResponses:
    matrix: ResponseMatrix
    repeats: int  # later answers of an examinee to an item they had answered, left out


def _positions(header: list[str], columns: LongColumns) -> tuple[int, int, int]:
    names = [h.strip() for h in header]
    found = []
    for role, name in (("examinee", columns.examinee), ("item", columns.item), ("score", columns.score)):
        if name not in names:
            raise ResponseMatrixError(f"line 1: no {role} column {name!r}; the header is {names}")
        found.append(names.index(name))
    return found[0], found[1], found[2]


def parse_long_responses(text: str, columns: LongColumns | None = None) -> LongResponses:
    """Parse the CSV text; raises `ResponseMatrixError` with the line and column of the first problem."""
    columns = columns or LongColumns()
    header, rows = csv_rows(text, "the column names")
    at_examinee, at_item, at_score = _positions(header, columns)
    examinees: dict[str, int] = {}
    item_ids: dict[str, int] = {}
    seen: set[tuple[int, int]] = set()
    persons: list[int] = []
    items: list[int] = []
    scores: list[float] = []
    repeats = 0
    for line, cells in rows:
        examinee, item = cells[at_examinee].strip(), cells[at_item].strip()
        for role, name, value in (("examinee", columns.examinee, examinee), ("item", columns.item, item)):
            if not value:
                raise ResponseMatrixError(f"line {line}, column {name!r}: no {role}")
        try:
            score = _score(cells[at_score])
        except ValueError:
            raise ResponseMatrixError(
                f"line {line}, column {columns.score!r}: {cells[at_score]!r} is not 0, 1 or blank"
            ) from None
        if score is None:
            continue
        pair = (examinees.setdefault(examinee, len(examinees)), item_ids.setdefault(item, len(item_ids)))
        if pair in seen:
            repeats += 1
            continue
        seen.add(pair)
        persons.append(pair[0])
        items.append(pair[1])
        scores.append(score)
    if not persons:
        raise ResponseMatrixError("no answers with a score")
    matrix = ResponseMatrix(
        tuple(item_ids),
        np.array(persons, dtype=np.intp),
        np.array(items, dtype=np.intp),
        np.array(scores),
        np.ones(len(scores)),
        len(examinees),
    )
    return LongResponses(matrix, repeats)
