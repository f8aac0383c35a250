"""`ai4d items ...` against the real services: load, stats, list, retire, import, export, generate."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ai4d_cli.main import app
from ai4d_core.bootstrap import Container
from ai4d_core.settings import Settings

pytestmark = pytest.mark.cli
DATA = Path(__file__).resolve().parents[1] / "data" / "interop"


@pytest.fixture
def run(clean: Container, service_env: Settings) -> CliRunner:
    return CliRunner()


def _ok(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_load_then_stats_shows_a_bank_that_meets_the_bar(run: CliRunner) -> None:
    assert "324 item version(s) added" in _ok(run, "items", "load")
    assert "0 item version(s) added" in _ok(run, "items", "load")
    out = _ok(run, "items", "stats")
    assert "items: 324" in out and "by status: active=324" in out
    grid = [line.split() for line in out.splitlines() if line.split() and line.split()[0] in ("sql", "mlops")]
    assert grid and all(int(n) >= 8 for row in grid for n in row[1:4])
    assert "sql_query=20" in out


def test_list_filters_and_retire_adds_a_version(run: CliRunner) -> None:
    _ok(run, "items", "load")
    listed = _ok(run, "items", "list", "--topic", "sql", "--level", "3", "--type", "sql_query")
    assert listed.strip().endswith("item(s)") and "sql_query" in listed
    first_id = listed.split()[0]
    assert f"{first_id} is retired (version 2)" in _ok(run, "items", "retire", first_id)
    assert first_id in _ok(run, "items", "list", "--status", "retired")
    missing = run.invoke(app, ["items", "retire", "no-such-item"])
    assert missing.exit_code == 1 and "no item 'no-such-item'" in missing.output


def test_import_a_gift_file_then_export_it(run: CliRunner, tmp_path: Path) -> None:
    out = _ok(run, "items", "import", str(DATA / "every_feature.gift"), "--format", "gift", "--activate")
    assert "new item version(s) stored" in out
    exported = _ok(run, "items", "export", "--format", "gift")
    assert "::" in exported and "$CATEGORY:" in exported


def test_a_malformed_file_is_refused_whole_with_the_line(run: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.gift"
    bad.write_text("::q1:: What is 2+2? {=4 ~5}\n\n::q2:: Broken {=a ~b\n", encoding="utf-8")
    result = run.invoke(app, ["items", "import", str(bad), "--format", "gift"])
    assert result.exit_code == 1 and "nothing imported" in result.output and "line" in result.output
    assert "items: 0" in _ok(run, "items", "stats")
    latin = tmp_path / "latin-1.gift"
    latin.write_bytes("::q3:: Caf\u00e9 or tea? {T}\n".encode("latin-1"))  # Moodle, too, reads only UTF-8
    result = run.invoke(app, ["items", "import", str(latin), "--format", "gift"])
    assert result.exit_code == 1 and "nothing imported: byte 10 is not UTF-8" in result.output


def test_generate_without_an_llm_falls_back_and_says_why(run: CliRunner, prefect_api: None) -> None:
    _ok(run, "items", "load")
    out = _ok(run, "items", "generate", "--topic", "statistics", "--level", "2", "--type", "numeric", "--count", "3")
    assert "fallback_reason: no LLM configured" in out
    served = [line for line in out.splitlines() if line.startswith(("from_bank:", "from_templates:"))]
    assert any("-" in line.split(":", 1)[1] for line in served)  # some item ids came from the fallback


def test_a_question_ai4d_cannot_carry_refuses_the_file_unless_it_is_left_out_and_listed(
    run: CliRunner, tmp_path: Path
) -> None:
    mixed = tmp_path / "mixed.gift"
    mixed.write_text(
        "::intro:: This section is about SQL joins.\n\n"
        "::q1:: Which join keeps every row of the left table? {=LEFT JOIN ~INNER JOIN ~CROSS JOIN}\n",
        encoding="utf-8",
    )
    refused = run.invoke(app, ["items", "import", str(mixed), "--format", "gift"])
    assert refused.exit_code == 1 and "nothing imported" in refused.output and "intro" in refused.output
    assert "items: 0" in _ok(run, "items", "stats")
    out = _ok(run, "items", "import", str(mixed), "--format", "gift", "--skip-unsupported")
    assert "1 item(s) read, 1 new item version(s) stored" in out
    assert "1 question(s) left out:" in out and "intro" in out.split("left out:")[1]


def test_an_unknown_grade_is_named_and_nearest_rounds_it_as_moodle_can(run: CliRunner, tmp_path: Path) -> None:
    graded = tmp_path / "graded.gift"
    graded.write_text("::q1:: Pick the primes {~%33%2 ~%33%3 ~%34%5 ~%-100%4}\n", encoding="utf-8")
    refused = run.invoke(app, ["items", "import", str(graded), "--format", "gift"])
    assert refused.exit_code == 1 and "33%" in refused.output and "sum" not in refused.output
    out = _ok(run, "items", "import", str(graded), "--format", "gift", "--match-grades", "nearest")
    assert "1 item(s) read" in out
