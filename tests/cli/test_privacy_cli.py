"""`ai4d privacy ...` against the real services: stores, export (stdout and --out), scan, erase."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ai4d_cli.main import app
from ai4d_core.bootstrap import Container
from ai4d_core.privacy.registry import REGISTRY
from ai4d_core.security.passwords import hash_password
from ai4d_core.services import audit
from ai4d_core.settings import Settings

pytestmark = pytest.mark.cli


@pytest.fixture
def run(clean: Container, service_env: Settings) -> CliRunner:
    return CliRunner()


@pytest.fixture
def ada(clean: Container) -> int:
    uid = clean.users.add("ada@example.org", "Ada", "learner", hash_password("a long enough passphrase for tests"))
    clean.mongo_db["activity"].insert_one({"learner_id": uid, "event": "signed_in"})
    return uid


def _ok(runner: CliRunner, *args: str, stdin: str | None = None) -> str:
    result = runner.invoke(app, list(args), input=stdin, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_stores_lists_every_registered_store(run: CliRunner) -> None:
    out = _ok(run, "privacy", "stores")
    assert all(store.ref in out for store in REGISTRY)
    assert f"{len(REGISTRY)} store(s)" in out


def test_export_to_stdout_and_to_a_private_file(run: CliRunner, ada: int, tmp_path: Path) -> None:
    document = json.loads(_ok(run, "privacy", "export", "Ada@Example.org"))
    assert document["user_id"] == ada and set(document["stores"]) == {s.ref for s in REGISTRY}
    assert document["stores"]["mongodb.activity"][0]["event"] == "signed_in"
    target = tmp_path / "ada.json"
    _ok(run, "privacy", "export", str(ada), "--out", str(target))
    assert json.loads(target.read_text())["user_id"] == ada
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_scan_then_erase_asks_then_leaves_nothing(run: CliRunner, ada: int, clean: Container) -> None:
    assert "mongodb.activity" in _ok(run, "privacy", "scan", "ada@example.org")
    refused = run.invoke(app, ["privacy", "erase", "ada@example.org"], input="n\n")
    assert refused.exit_code == 1 and clean.users.get(ada) is not None

    out = _ok(run, "privacy", "erase", "ada@example.org", stdin="y\n")
    assert "nothing left in any store" in out and clean.users.get(ada) is None
    (entry,) = audit.recent(clean, event="user_erased")
    assert entry.detail["reference"] in out

    again = run.invoke(app, ["privacy", "erase", str(ada), "--yes"])
    assert again.exit_code == 1 and "no such user" in again.output


@pytest.mark.parametrize("user", ["x" * 300 + "@example.org", "not-an-address", "424242"])
def test_bad_or_unknown_users_get_a_clean_error(run: CliRunner, user: str) -> None:
    for command in ("export", "scan", "erase"):
        result = run.invoke(app, ["privacy", command, user, *(["--yes"] if command == "erase" else [])])
        assert result.exit_code == 1, result.output
        assert result.output.startswith("error: ") and "Traceback" not in result.output
