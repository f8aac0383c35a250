"""`ai4d items calibration`: the last run's decisions, per item, filtered, and as JSON."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ai4d_cli.main import app
from ai4d_core.bootstrap import Container
from ai4d_core.services.calibration import calibrate_items
from ai4d_core.services.demo import seed_demo
from ai4d_core.services.ingest import ingest_pending
from ai4d_core.settings import Settings

pytestmark = pytest.mark.cli


def test_before_any_run_it_says_how_to_make_one(clean: Container, service_env: Settings) -> None:
    result = CliRunner().invoke(app, ["items", "calibration"])
    assert result.exit_code == 1 and "no calibration run yet: run `ai4d flow run calibrate-items`" in result.output
    missing = CliRunner().invoke(app, ["items", "calibration", "--run", "nope"])
    assert missing.exit_code == 1 and "no run 'nope'" in missing.output


def test_it_shows_the_last_runs_decisions_filtered_and_as_json(clean: Container, service_env: Settings) -> None:
    seed_demo(clean, learners=15, seed=11)
    ingest_pending(clean)
    calibrate_items(clean, "cli-1")
    report = calibrate_items(clean, "cli-2")
    runner = CliRunner()

    table = runner.invoke(app, ["items", "calibration", "--decision", "kept"], catch_exceptions=False)
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert lines[0].startswith("calibration cli-2 (2pl-mml-1, anchored on earlier calibrations)")
    rows = [line for line in lines[2:-1]]
    print(f"checked {len(rows)} rows")
    assert len(rows) == 6 and lines[-1] == "6 item(s)"
    assert all(r.split()[0].startswith("pre-") and "not enough responses" in r for r in rows)
    first = next(d for d in report.decisions if d.item_id == rows[0].split()[0])
    assert f"{first.a:.2f}" in rows[0] and f"{first.n_responses:>5}" in rows[0] and "provisional" in rows[0]

    anchors = runner.invoke(app, ["items", "calibration", "--decision", "active"], catch_exceptions=False)
    assert "anchor: held at a = " in anchors.output and "not enough responses" not in anchors.output

    shown = runner.invoke(app, ["items", "calibration", "--json", "--run", "cli-1"], catch_exceptions=False)
    data = json.loads(shown.output)
    assert data["run_id"] == "cli-1" and data["anchored"] is False
    assert len(data["decisions"]) == data["n_items"] == sum(data["counts"].values())
    one = data["decisions"][0]
    assert set(one) >= {"item_id", "item_version", "a", "b", "se_a", "se_b", "n_responses", "fit", "point_biserial",
                        "decision", "reason", "options"}  # fmt: skip

    bad = runner.invoke(app, ["items", "calibration", "--decision", "maybe"])
    assert bad.exit_code == 2 and "maybe" in bad.output
