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


# Chalmers (2012), J. Stat. Softw. 48(6): coef(mirt(expand.table(LSAT7), 1)), slope a and intercept d
MIRT_LSAT7 = {"a": [0.988, 1.081, 1.706, 0.765, 0.736], "d": [1.856, 0.808, 1.804, 0.486, 1.855]}


def test_reproduces_the_published_mirt_estimates_of_lsat7(runner: CliRunner) -> None:
    result = runner.invoke(app, ["irt", "calibrate", str(LSAT.with_name("lsat7.csv")), "--prior", "none", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert [item["id"] for item in out["items"]] == [f"Item.{k}" for k in range(1, 6)]
    for item, a, d in zip(out["items"], MIRT_LSAT7["a"], MIRT_LSAT7["d"], strict=True):
        assert item["a"] == pytest.approx(a, abs=0.05), item["id"]
        assert item["b"] == pytest.approx(-d / a, abs=0.05), item["id"]  # mirt's intercept on the ability scale
        assert -item["a"] * item["b"] == pytest.approx(d, abs=0.05), item["id"]
    assert out["log_likelihood"] == pytest.approx(-2658.805, abs=0.01)


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
        ("q1,q2\n1,0\n0,2\n", "line 3, column 'q2': '2' is not 0, 1 or blank"),
        ("q1,q2\n1,0\n0,1.5\n", "line 3, column 'q2': '1.5' is not 0, 1 or blank"),
        ("q1,q2\n1,0\n0,1e0\n", "line 3, column 'q2': '1e0' is not 0, 1 or blank"),
        (",q1,q2\n1,1,\n2,0,\n", "column 3 ('q2'): no responses"),
        (",,q2\n1,1,0\n", "line 1, column 2: empty item id"),
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


def test_files_written_by_r_and_pandas_read_as_the_same_data(runner: CliRunner, tmp_path: Path) -> None:
    plain = json.loads(runner.invoke(app, ["irt", "calibrate", str(LSAT), "--json"]).stdout)
    header, *rows = LSAT.read_text().splitlines()
    # R's write.csv: quoted header, a row-name column with an empty header, NA for a missing cell
    r_rows = [f'"{n}",{row}' for n, row in enumerate(rows, start=1)] + [f'"{len(rows) + 1}",NA,NA,NA,NA,NA,7']
    r_file = _csv(tmp_path, '"",' + ",".join(f'"{h}"' for h in header.split(",")) + "\n" + "\n".join(r_rows) + "\n")
    from_r = runner.invoke(app, ["irt", "calibrate", r_file, "--json"])
    assert from_r.exit_code == 0, from_r.output
    # pandas' to_csv of a float frame (what a column with gaps becomes): 1.0 / 0.0 cells, 3.0 frequencies
    pandas_rows = [",".join(f"{float(c):.1f}" for c in row.split(",")) for row in rows]
    pandas_file = tmp_path / "pandas.csv"
    pandas_file.write_text(header + "\n" + "\n".join(pandas_rows) + "\n", encoding="utf-8")
    from_pandas = runner.invoke(app, ["irt", "calibrate", str(pandas_file), "--json"])
    assert from_pandas.exit_code == 0, from_pandas.output
    assert json.loads(from_r.stdout) == plain == json.loads(from_pandas.stdout)


def test_an_item_that_does_not_discriminate_has_no_location(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["irt", "calibrate", _csv(tmp_path, "q1,q2\n1,0\n0,1\n"), "--json"])
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)["items"]  # strict JSON: no Infinity, no NaN
    assert [(i["a"], i["b"], i["se_b"]) for i in items] == [(0.0, None, None)] * 2
    assert "item 'q1': no discrimination (a = 0), so b has no estimate" in result.stderr
    assert "RuntimeWarning" not in result.stderr


def test_a_column_of_examinee_ids_is_left_out_when_named(runner: CliRunner, tmp_path: Path) -> None:
    plain = json.loads(runner.invoke(app, ["irt", "calibrate", str(LSAT), "--json"]).stdout)
    header, *rows = LSAT.read_text().splitlines()
    with_ids = _csv(tmp_path, "student," + header + "\n" + "\n".join(f"s-{n},{r}" for n, r in enumerate(rows)) + "\n")
    unnamed = runner.invoke(app, ["irt", "calibrate", with_ids])
    assert unnamed.exit_code == 1
    assert "line 2, column 'student': 's-0' is not 0, 1 or blank" in unnamed.stderr
    assert "--id-column" in unnamed.stderr  # the message says how to read the file
    named = runner.invoke(app, ["irt", "calibrate", with_ids, "--id-column", "student", "--json"])
    assert named.exit_code == 0, named.output
    assert json.loads(named.stdout) == plain
    wrong = runner.invoke(app, ["irt", "calibrate", with_ids, "--id-column", "learner"])
    assert wrong.exit_code == 1 and "no column 'learner'" in wrong.stderr


def _long_lsat7(tmp_path: Path, repeat_every: int = 0) -> str:
    """LSAT7 a row per answer, in a shuffled order, with a column the reader must ignore; every
    `repeat_every`-th answer is given again later with the opposite score."""
    import random

    header, *rows = LSAT.with_name("lsat7.csv").read_text().splitlines()
    names = header.split(",")[:-1]
    answers, n = [], 0
    for row in rows:
        *cells, freq = row.split(",")
        for _ in range(int(freq)):
            answers += [(f"p{n}", item, cell) for item, cell in zip(names, cells, strict=True)]
            n += 1
    random.Random(7).shuffle(answers)
    repeats = [(p, i, str(1 - int(c))) for p, i, c in answers[::repeat_every]] if repeat_every else []
    lines = ["user_id;session;problem_id;correct"] + [f"{p};s1;{i};{c}" for p, i, c in answers + repeats]
    return _csv(tmp_path, "\n".join(lines) + "\n")


def test_a_row_per_answer_reads_as_the_same_data(runner: CliRunner, tmp_path: Path) -> None:
    wide = json.loads(runner.invoke(app, ["irt", "calibrate", str(LSAT.with_name("lsat7.csv")), "--json"]).stdout)
    args = ["irt", "calibrate", "--long", "--columns", "user_id,problem_id,correct", "--json"]
    long = runner.invoke(app, [*args, _long_lsat7(tmp_path)])
    assert long.exit_code == 0, long.output
    by_id = {item["id"]: item for item in json.loads(long.stdout)["items"]}  # items in order of first answer
    assert [by_id[item["id"]] for item in wide["items"]] == wide["items"]
    assert json.loads(long.stdout)["log_likelihood"] == pytest.approx(wide["log_likelihood"], abs=1e-6)
    again = runner.invoke(app, [*args, _long_lsat7(tmp_path, repeat_every=10)])
    assert again.exit_code == 0, again.output
    assert "500 repeated answer(s) of an item by the same examinee left out" in again.stderr
    assert json.loads(again.stdout) == json.loads(long.stdout)  # the first answer counted, the repeat did not


@pytest.mark.parametrize(
    ("args", "text", "message"),
    [
        ([], "user,item,score\nu1,q1,1\n", "line 1: no examinee column 'examinee'"),
        (["--columns", "user,item"], "user,item,score\nu1,q1,1\n", "expected three distinct names"),
        (["--columns", "user,item,score"], "user,item,score\nu1,q1,yes\n", "line 2, column 'score': 'yes'"),
        (["--columns", "user,item,score"], "user,item,score\nu1,,1\n", "line 2, column 'item': no item"),
        (["--columns", "user,item,score"], "user,item,score\nu1,q1\n", "line 2: 2 cells, expected 3"),
        (["--columns", "user,item,score"], "user,item,score\nu1,q1,NA\n", "no answers with a score"),
        (["--id-column", "user"], "user,item,score\nu1,q1,1\n", "with --long, name it in --columns"),
    ],
)
def test_a_bad_row_per_answer_file_is_refused(
    runner: CliRunner, tmp_path: Path, args: list[str], text: str, message: str
) -> None:
    result = runner.invoke(app, ["irt", "calibrate", "--long", *args, _csv(tmp_path, text)])
    assert result.exit_code == 1
    assert message in result.stderr and not result.stdout
