"""`ai4d admin create`, `ai4d users ...` and `ai4d cohorts ...` against the real services; audited as the CLI."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from ai4d_cli.main import app
from ai4d_core.bootstrap import Container
from ai4d_core.policy import Viewer
from ai4d_core.services import accounts, audit, cohorts
from ai4d_core.settings import Settings

pytestmark = pytest.mark.cli
PASSWORD = "violet kettle drums at dawn"


@pytest.fixture
def run(clean: Container, service_env: Settings) -> CliRunner:
    return CliRunner()


def _ok(runner: CliRunner, *args: str, stdin: str | None = None) -> str:
    result = runner.invoke(app, list(args), input=stdin, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _fails(runner: CliRunner, *args: str, stdin: str | None = None) -> str:
    result = runner.invoke(app, list(args), input=stdin, catch_exceptions=False)
    assert result.exit_code == 1, result.output
    return result.output


def test_admin_create_from_stdin_or_prompt_and_refuses_an_existing_email(run: CliRunner, clean: Container) -> None:
    assert "admin root@example.org created" in _ok(
        run, "admin", "create", "Root@example.org", "--name", "Root", "--password-stdin", stdin=PASSWORD + "\n"
    )
    user = clean.users.by_email("root@example.org")
    assert user is not None and user.role == "admin"
    accounts.login(clean, "root@example.org", PASSWORD, source="127.0.0.1")  # the password works
    prompted = _ok(run, "admin", "create", "second@example.org", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert "admin second@example.org created" in prompted and PASSWORD not in prompted  # hidden input
    assert "already exists" in _fails(
        run, "admin", "create", "root@example.org", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert "error:" in _fails(run, "admin", "create", "weak@example.org", "--password-stdin", stdin="short\n")
    entry = audit.recent(clean, event="registered", limit=1)[0]
    assert entry.actor_id is None and entry.source == "cli"


def test_users_list_role_disable_enable_and_resend(run: CliRunner, clean: Container) -> None:
    for email, role in (
        ("ada@example.org", "learner"),
        ("bob@example.org", "learner"),
        ("eve@example.org", "educator"),
    ):
        accounts.create_user(clean, email, email.split("@")[0].title(), role, PASSWORD)
    listed = _ok(run, "users", "list")
    assert listed.strip().endswith("3 user(s)") and "ada@example.org" in listed
    assert "1 user(s)" in _ok(run, "users", "list", "--role", "educator")
    assert "bob@example.org" in _ok(run, "users", "list", "--search", "BO")
    assert "0 user(s)" in _ok(run, "users", "list", "--search", "%")  # a wildcard is a plain character
    assert "role must be one of" in _fails(run, "users", "list", "--role", "root")

    assert "ada@example.org is now analyst" in _ok(run, "users", "role", "ada@example.org", "analyst")
    assert "is disabled" in _ok(run, "users", "disable", "bob@example.org")
    assert "disabled" in _ok(run, "users", "list", "--search", "bob")
    with pytest.raises(accounts.LoginError):
        accounts.login(clean, "bob@example.org", PASSWORD, source="127.0.0.1")
    assert "is enabled" in _ok(run, "users", "enable", "bob@example.org")
    assert "queued" in _ok(run, "users", "resend-verification", "bob@example.org")
    assert "no user with the e-mail" in _fails(run, "users", "disable", "nobody@example.org")
    entries = {e.event: e for e in audit.recent(clean, limit=50)}
    assert {"role_changed", "account_disabled", "account_enabled"} <= set(entries)
    assert all(entries[e].actor_id is None and entries[e].source == "cli" for e in ("role_changed", "account_disabled"))


def test_cohorts_create_rename_members_and_invite(run: CliRunner, clean: Container) -> None:
    eve = accounts.create_user(clean, "eve@example.org", "Eve", "educator", PASSWORD)
    ada = accounts.create_user(clean, "ada@example.org", "Ada", "learner", PASSWORD)
    accounts.create_user(clean, "tom@example.org", "Tom", "educator", PASSWORD)
    assert "created" in _ok(run, "cohorts", "create", "Data 101", "--educator", "eve@example.org")
    assert "already exists" in _fails(run, "cohorts", "create", "Data 101")
    assert "is now 'Data 102'" in _ok(run, "cohorts", "rename", "Data 101", "Data 102")
    _ok(run, "cohorts", "add-member", "Data 102", "ada@example.org")
    _ok(run, "cohorts", "add-educator", "Data 102", "tom@example.org")
    assert "only a learner" in _fails(run, "cohorts", "add-member", "Data 102", "tom@example.org")
    assert "no cohort named" in _fails(run, "cohorts", "add-member", "Nope", "ada@example.org")
    listed = _ok(run, "cohorts", "list")
    assert re.search(r"1 learner\(s\)\s+2 educator\(s\)\s+Data 102", listed)

    out = _ok(run, "cohorts", "invite", "Data 102", "--days", "3")
    code = re.search(r"code: (\S+)", out)
    assert code and f"link: {clean.settings.public_url.rstrip('/')}/learner?join={code[1]}" in out
    _ok(run, "cohorts", "remove-member", "Data 102", "ada@example.org")
    assert cohorts.my_cohorts(clean, Viewer(ada, "learner")) == []
    cohorts.join(clean, Viewer(ada, "learner"), code[1])
    assert [m.name for m in cohorts.my_cohorts(clean, Viewer(ada, "learner"))] == ["Data 102"]
    assert [m.role for m in cohorts.my_cohorts(clean, Viewer(eve, "educator"))] == ["educator"]
    cli_entries = [e for e in audit.recent(clean, limit=50) if e.event.startswith(("cohort_", "invite_"))]
    by_cli = [e for e in cli_entries if e.event != "cohort_joined"]
    assert len(by_cli) >= 6 and all(e.actor_id is None and e.detail.get("via") == "cli" for e in by_cli)
