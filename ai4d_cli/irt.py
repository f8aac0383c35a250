"""`ai4d irt ...`: item response theory on an analyst's own data (no database involved)."""

from __future__ import annotations

import json
import math
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:  # numpy and scipy load only when the command runs (every `ai4d` start imports this module)
    from ai4d_core.domain.irt_calibration import CalibrationResult
    from ai4d_core.interop.response_matrix import ResponseMatrix

irt_app = typer.Typer(help="Item response theory on your own response data.", no_args_is_help=True)


class PriorChoice(StrEnum):
    none = "none"
    weak = "weak"


def _number(value: float) -> float | None:
    return round(float(value), 4) if math.isfinite(value) else None


def _warnings(matrix: ResponseMatrix, result: CalibrationResult, prior: PriorChoice) -> list[str]:
    import numpy as np

    notes = []
    if prior is PriorChoice.none:
        right = np.bincount(matrix.items, weights=matrix.weights * matrix.scores, minlength=len(matrix.item_ids))
        for item, (share_right, n) in enumerate(zip(right, result.n_responses, strict=True)):
            if share_right in (0.0, n):
                kind = "right" if share_right else "wrong"
                notes.append(
                    f"item {matrix.item_ids[item]!r}: every response is {kind}, so it has no finite "
                    "estimate (use --prior weak)"
                )
    for flat in np.flatnonzero(np.isnan(result.b) & ~np.isnan(result.a)):
        notes.append(
            f"item {matrix.item_ids[flat]!r}: no discrimination (a = 0), so b has no estimate "
            "(more data, or --prior weak)"
        )
    if not result.converged:
        notes.append(f"the EM did not converge in {result.iterations} EM steps")
    return notes


def _read(file: Path, id_column: str | None, long_columns: str | None) -> ResponseMatrix:
    """The file's responses, wide or (`long_columns`) long; exits 1 with the reason when it cannot be read."""
    from ai4d_core.interop.response_long import LongColumns, parse_long_responses
    from ai4d_core.interop.response_matrix import ResponseMatrixError, parse_response_matrix

    try:
        text = file.read_text(encoding="utf-8")
        if long_columns is None:
            return parse_response_matrix(text, id_column)
        if id_column is not None:
            raise ResponseMatrixError("--id-column is for a row per examinee; with --long, name it in --columns")
        read = parse_long_responses(text, LongColumns.parse(long_columns))
    except UnicodeDecodeError as exc:
        typer.echo(f"error: {file}: not UTF-8 text ({exc.reason} at byte {exc.start})", err=True)
        raise typer.Exit(1) from exc
    except ResponseMatrixError as exc:
        typer.echo(f"error: {file}: {exc}", err=True)
        raise typer.Exit(1) from exc
    if read.repeats:
        typer.echo(
            f"warning: {read.repeats} repeated answer(s) of an item by the same examinee left out "
            "(the first answer counts)",
            err=True,
        )
    return read.matrix


@irt_app.command("calibrate")
def calibrate(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="CSV: a row per examinee, a column per item (0, 1 or blank; NA is blank), optional freq column; "
            "or, with --long, a row per answer.",
        ),
    ],
    prior: Annotated[
        PriorChoice, typer.Option(help="none: maximum likelihood; weak: log a ~ N(0, 0.5²), b ~ N(0, 2²).")
    ] = PriorChoice.none,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    id_column: Annotated[
        str | None, typer.Option("--id-column", help="The column naming the examinees (left out of the items).")
    ] = None,
    long: Annotated[
        bool, typer.Option("--long", help="A row per answer (examinee, item, score) instead of a row per examinee.")
    ] = False,
    columns: Annotated[
        str, typer.Option(help="With --long: the names of the examinee, item and score columns.")
    ] = "examinee,item,score",
) -> None:
    """Fit a 2PL model by marginal maximum likelihood: a, b and their SEs per item, P = 1/(1+exp(-a(θ-b)))."""
    from ai4d_core.domain.irt_calibration import calibrate_2pl

    matrix = _read(file, id_column, columns if long else None)
    result = calibrate_2pl(
        matrix.persons, matrix.items, matrix.scores, len(matrix.item_ids), weights=matrix.weights, prior=prior.value
    )
    for note in _warnings(matrix, result, prior):
        typer.echo(f"warning: {note}", err=True)
    rows = [
        {"id": item_id, "a": _number(a), "b": _number(b), "se_a": _number(se_a), "se_b": _number(se_b)}
        for item_id, a, b, se_a, se_b in zip(matrix.item_ids, result.a, result.b, result.se_a, result.se_b, strict=True)
    ]
    if as_json:
        typer.echo(json.dumps({"items": rows, "log_likelihood": round(result.log_likelihood, 4)}, indent=2))
        return
    width = max(len("id"), *(len(i) for i in matrix.item_ids))
    typer.echo(f"{'id':<{width}} {'a':>9} {'b':>9} {'se_a':>9} {'se_b':>9}")
    for row in rows:
        cells = " ".join("      nan" if row[k] is None else f"{row[k]:>9.4f}" for k in ("a", "b", "se_a", "se_b"))
        typer.echo(f"{row['id']:<{width}} {cells}")
    state = "converged" if result.converged else "NOT converged"
    typer.echo(
        f"log-likelihood {result.log_likelihood:.4f} ({len(matrix.item_ids)} items, "
        f"{matrix.n_examinees} examinees, {result.iterations} EM steps, {state})"
    )
