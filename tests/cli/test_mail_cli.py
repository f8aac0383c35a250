"""`ai4d mail list|show|outbox` on a Maildir filled by a real aiosmtpd sink, and the outbox in PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from typer.testing import CliRunner

from ai4d_cli.embedded import free_port
from ai4d_cli.main import app
from ai4d_core.adapters.smtp import SmtpSender, SmtpTarget, build_message
from ai4d_core.bootstrap import Container
from ai4d_core.services.mail import enqueue_mail, send_due
from ai4d_core.settings import Settings

pytestmark = pytest.mark.cli


@pytest.fixture
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A var dir whose `mail` Maildir holds three messages, delivered through a real SMTP sink."""
    monkeypatch.setenv("AI4D_VAR_DIR", str(tmp_path / "var"))
    (tmp_path / "var").mkdir()
    port = free_port()
    sink = Controller(Mailbox(tmp_path / "var" / "mail"), hostname="127.0.0.1", port=port)
    sink.start()
    try:
        with SmtpSender(SmtpTarget("smtp", "127.0.0.1", port)) as smtp:
            for n, to in enumerate(["ann@example.org", "bob@example.org", "ann@example.org"]):
                smtp.send(
                    build_message(
                        sender="AI4D <no-reply@ai4d.invalid>", to=to, subject=f"Message {n}",
                        text_body=f"text body {n}\n", html_body=f"<p>html body {n}</p>", outbox_id=n,
                    )
                )  # fmt: skip
    finally:
        sink.stop()
    yield tmp_path / "var"


def _ok(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_list_shows_every_message_and_filters_by_recipient(var_dir: Path) -> None:
    listed = _ok("mail", "list").splitlines()
    print(f"checked {len(listed) - 1} listed messages")
    assert listed[-1].startswith("3 of 3 message(s)")
    assert sorted(line.split()[-1] for line in listed[:-1]) == ["0", "1", "2"]
    only_ann = _ok("mail", "list", "--to", "ann@example.org").splitlines()
    assert only_ann[-1].startswith("2 of 2") and all("ann@example.org" in line for line in only_ann[:-1])
    assert _ok("mail", "list", "--limit", "1").splitlines()[-1].startswith("1 of 3")


def test_show_prints_the_headers_and_the_text_part(var_dir: Path) -> None:
    line = next(x for x in _ok("mail", "list", "--to", "bob@example.org").splitlines() if "bob@" in x)
    message_id = line.split()[0]
    shown = _ok("mail", "show", message_id)
    assert "To: bob@example.org" in shown and "Subject: Message 1" in shown and "From: AI4D" in shown
    assert "text body 1" in shown and "html body" not in shown
    assert "<p>html body 1</p>" in _ok("mail", "show", message_id, "--html")
    ambiguous = CliRunner().invoke(app, ["mail", "show", message_id[:3]])  # all three share the timestamp
    assert ambiguous.exit_code == 1 and "more than one message" in ambiguous.output
    missing = CliRunner().invoke(app, ["mail", "show", "no-such-id"])
    assert missing.exit_code == 1 and "no message with id 'no-such-id'" in missing.output


def test_list_on_an_empty_sink_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AI4D_VAR_DIR", str(tmp_path / "nothing"))
    assert _ok("mail", "list").startswith("0 of 0 message(s)")


def test_outbox_counts_and_recent_failures(clean: Container, service_env: Settings) -> None:
    refused = clean.settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{free_port()}"})
    enqueue_mail(clean, "password_changed", "ann@example.org", None)
    enqueue_mail(clean, "account_disabled", "bob@example.org", None)
    with Container(refused) as c:
        assert send_due(c).retrying == 1
    out = _ok("mail", "outbox").splitlines()
    assert out[0] == "pending=2  sent=0  failed=0"
    assert len(out) == 2 and "ann@example.org" in out[1] and "attempts=1" in out[1] and "Connection" in out[1]
