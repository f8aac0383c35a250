"""`ai4d irt calibrate FILE.csv`: an analyst's own wide CSV in, a, b and SEs out; no database involved."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ai4d_cli.main import app

pytestmark = pytest.mark.cli
LSAT = Path(__file__).resolve().parents[1] / "data" / "irt" / "lsat6.csv"
# Rizopoulos (2006), J. Stat. Softw. 17(5): summary(ltm(LSAT ~ z1, IRT.param = TRUE)), items 1..5
# (see tests/data/irt/README.md).
PUBLISHED = {
    "b": [-3.3597, -1.3696, -0.2799, -1.8659, -3.1236],
    "a": [0.8254, 0.7229, 0.8905, 0.6886, 0.6575],
    "se_b": [0.8669, 0.3073, 0.0997, 0.4341, 0.8700],
    "se_a": [0.2581, 0.1867, 0.2326, 0.1852, 0.2100],
}


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A runner under which building the platform's stores fails loudly: the command must not need them."""
    bootstrap = importlib.import_module("ai4d_core.bootstrap")

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("ai4d irt calibrate bootstrapped the stores")

    monkeypatch.setattr(bootstrap, "bootstrap", refuse)
    monkeypatch.setattr(bootstrap.Container, "__init__", refuse)
    return CliRunner()


def _csv(tmp_path: Path, text: str) -> str:
    path = tmp_path / "responses.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_reproduces_the_published_lsat_estimates(runner: CliRunner) -> None:
    result = runner.invoke(app, ["irt", "calibrate", str(LSAT), "--prior", "none", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out) == {"items", "log_likelihood"}
    assert [item["id"] for item in out["items"]] == [f"item{k}" for k in range(1, 6)]
    checked = 0
    for name, published in PUBLISHED.items():
        tolerance = 0.05 if name in ("a", "b") else 0.005  # estimates ±0.05 (the bar); SEs ±0.005
        for item, value in zip(out["items"], published, strict=True):
            assert item[name] == pytest.approx(value, abs=tolerance), (item["id"], name)
            checked += 1
    print(f"checked {checked} published values")
    assert checked == 20
    assert out["log_likelihood"] == pytest.approx(-2466.653, abs=0.01)


def test_table_output_and_weak_prior(runner: CliRunner) -> None:
    table = runner.invoke(app, ["irt", "calibrate", str(LSAT)])
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["id", "a", "b", "se_a", "se_b"]
    item3 = lines[3].split()
    assert item3[0] == "item3" and [float(x) for x in item3[1:]] == pytest.approx(
        [0.8905, -0.2799, 0.2326, 0.0997], abs=0.002
    )
    assert lines[-1].startswith("log-likelihood -2466.65") and "1000 examinees" in lines[-1]
    weak = json.loads(runner.invoke(app, ["irt", "calibrate", str(LSAT), "--prior", "weak", "--json"]).stdout)
    # The prior pulls the poorly determined easy items (b = -3.4 with SE 0.87) toward 0 and narrows their SE.
    assert -3.36 < weak["items"][0]["b"] < -2.5 and weak["items"][0]["se_b"] < 0.8669


def test_missing_cells_and_an_all_correct_item(runner: CliRunner, tmp_path: Path) -> None:
    rows = ["q1,q2,q3,q4"] + [f"1,{k % 2},{(k // 2) % 2},{'' if k % 3 else (k // 3) % 2}" for k in range(60)]
    path = _csv(tmp_path, "\n".join(rows) + "\n")
    none = runner.invoke(app, ["irt", "calibrate", path, "--json"])
    assert none.exit_code == 0, none.output
    assert "warning: item 'q1': every response is right" in none.stderr
    weak = runner.invoke(app, ["irt", "calibrate", path, "--json", "--prior", "weak"])
    assert weak.exit_code == 0 and "warning" not in weak.stderr
    q1 = json.loads(weak.stdout)["items"][0]
    assert q1["id"] == "q1" and -10 < q1["b"] < 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("q1,q2\n1,0\n0,x\n", "line 3, column 'q2': 'x' is not 0, 1 or blank"),
        ("q1,q2\n1,0\n0,NA\n", "line 3, column 'q2': 'NA' is not 0, 1 or blank"),
        ("q1,q2,q1\n1,0,1\n", "line 1: duplicate column 'q1' (columns 1 and 3)"),
        ("q1,,q3\n1,0,1\n", "line 1, column 2: empty item id"),
        ("freq\n3\n", "line 1: no item columns"),
        ("q1,q2\n1,\n0,\n", "column 2 ('q2'): no responses"),
        ("q1,q2\n1,0\n1\n", "line 3: 1 cells, expected 2"),
        ("q1,q2,freq\n1,0,2.5\n", "line 2, column 'freq': '2.5' is not a whole number >= 0"),
        ("q1,q2,freq,Freq\n1,0,1,1\n", "more than one 'freq' column"),
        ("q1,q2\n", "no examinee rows with a response"),
        ("", "line 1: no header"),
    ],
)
def test_bad_files_are_refused_with_line_and_column(runner: CliRunner, tmp_path: Path, text: str, message: str) -> None:
    result = runner.invoke(app, ["irt", "calibrate", _csv(tmp_path, text)])
    assert result.exit_code == 1
    assert message in result.stderr and not result.stdout


def test_semicolons_and_a_byte_order_mark_are_read(runner: CliRunner, tmp_path: Path) -> None:
    lines = LSAT.read_text().replace(",", ";").splitlines()
    path = tmp_path / "lsat_semicolons.csv"
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    out = json.loads(runner.invoke(app, ["irt", "calibrate", str(path), "--json"]).stdout)
    assert out["items"][2]["id"] == "item3" and out["items"][2]["b"] == pytest.approx(-0.2799, abs=0.001)
