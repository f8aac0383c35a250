"""The send-mail flow against a real Prefect API, real PostgreSQL and a real aiosmtpd sink."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox

from ai4d_cli.embedded import free_port
from ai4d_core.bootstrap import Container
from ai4d_core.services.mail import enqueue_mail
from ai4d_core.settings import Settings

pytestmark = pytest.mark.flows


def test_the_send_mail_flow_delivers_the_outbox_once(
    prefect_api: None, clean: Container, service_env: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.send_mail import send_mail

    port = free_port()
    monkeypatch.setenv("AI4D_SMTP_URL", f"smtp://127.0.0.1:{port}")
    sink = Controller(Mailbox(tmp_path / "mail"), hostname="127.0.0.1", port=port)
    sink.start()
    try:
        link = f"{clean.settings.public_url}/verify?token=x"
        for n in range(3):
            enqueue_mail(clean, "verify", f"user{n}@example.org", None, link=link)
        assert send_mail() == {"sent": 3, "retrying": 0, "failed": 0}
        assert send_mail() == {"sent": 0, "retrying": 0, "failed": 0}
    finally:
        sink.stop()
    delivered = sorted(str(m["To"]) for m in mailbox.Maildir(tmp_path / "mail"))
    print(f"checked {len(delivered)} delivered messages")
    assert delivered == [f"user{n}@example.org" for n in range(3)]
