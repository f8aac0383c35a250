"""`ai4d items calibration`: the decisions of a calibration run (the latest by default), item by item."""

from __future__ import annotations

import json
from dataclasses import asdict
from enum import StrEnum
from typing import Annotated

import typer

from ai4d_core.bootstrap import bootstrap
from ai4d_core.settings import load_settings

Shown = StrEnum("Shown", [(d, d) for d in ("promoted", "kept", "set_aside", "active")])  # type: ignore[misc]


def _num(value: float | None, width: int, digits: int = 2) -> str:
    return f"{value:>{width}.{digits}f}" if value is not None else f"{'-':>{width}}"


def calibration(
    decision: Annotated[Shown | None, typer.Option(help="Only items with this decision.")] = None,
    run: Annotated[str | None, typer.Option(help="A run id (default: the latest run).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The run and its decisions as JSON.")] = False,
) -> None:
    """Per item: id, version, status (before -> after), a, b, their SEs, n, fit, point-biserial, decision, reason."""
    from ai4d_core.services.calibration import last_calibration

    with bootstrap(load_settings()) as c:
        report = last_calibration(c, run)
    if report is None:
        typer.echo("no calibration run yet: run `ai4d flow run calibrate-items`" if run is None else f"no run {run!r}",
                   err=True)  # fmt: skip
        raise typer.Exit(1)
    rows = report.only(decision.value if decision else None)
    if as_json:
        typer.echo(json.dumps(report.as_dict() | {"decisions": [asdict(r) for r in rows]}, indent=2))
        return
    typer.echo(str(report))
    typer.echo(f"{'item':<18} {'v':>3} {'status':<24} {'a':>6} {'se':>5} {'b':>6} {'se':>5} {'n':>5} {'fit':>6} "
               f"{'pbis':>6} {'decision':<10} reason")  # fmt: skip
    for r in rows:
        status = r.status_before if r.status_after == r.status_before else f"{r.status_before} -> {r.status_after}"
        typer.echo(
            f"{r.item_id:<18} {r.item_version:>3} {status:<24} {_num(r.a, 6)} {_num(r.se_a, 5)} {_num(r.b, 6)} "
            f"{_num(r.se_b, 5)} {r.n_responses:>5} {_num(r.fit, 6, 3)} {_num(r.point_biserial, 6)} "
            f"{r.decision:<10} {r.reason}"
        )
    typer.echo(f"{len(rows)} item(s)")
