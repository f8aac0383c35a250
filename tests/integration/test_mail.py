"""Mail on real services: the outbox in PostgreSQL, a real aiosmtpd sink on a loopback port."""

from __future__ import annotations

import email
import email.policy
import mailbox
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from sqlalchemy import select

from ai4d_cli.embedded import free_port
from ai4d_core.adapters.smtp import SmtpTarget
from ai4d_core.adapters.sql.tables import MailMessage
from ai4d_core.bootstrap import Container
from ai4d_core.domain.mail_templates import TEMPLATES, render
from ai4d_core.services.mail import BACKOFF_CAP, MAX_ATTEMPTS, MailError, backoff, enqueue_mail, send_due

pytestmark = pytest.mark.integration


class Sink:
    """A real aiosmtpd SMTP server on a loopback port, keeping messages in a Maildir (as `ai4d up` does)."""

    def __init__(self, maildir: Path, port: int) -> None:
        self.maildir, self.port = maildir, port
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(Mailbox(self.maildir), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages(self) -> list[EmailMessage]:
        box = mailbox.Maildir(self.maildir, create=True)
        return [email.message_from_bytes(box.get_bytes(k), _class=EmailMessage, policy=email.policy.default)
                for k in box.iterkeys()]  # fmt: skip


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[Sink]:
    """A sink that is not started yet: its port refuses connections until `start()`."""
    server = Sink(tmp_path / "mail", free_port())
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mail(clean: Container, sink: Sink) -> Iterator[Container]:
    """A clean container whose SMTP URL points at the sink."""
    settings = clean.settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{sink.port}"})
    with Container(settings) as c:
        yield c


def _parts(msg: EmailMessage) -> tuple[str, str]:
    text, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())


def _rows(c: Container) -> list[MailMessage]:
    from sqlalchemy.orm import Session

    with Session(c.engine) as session:
        return list(session.scalars(select(MailMessage).order_by(MailMessage.id)))


def test_enqueue_renders_both_bodies_and_queues_a_pending_row(clean: Container) -> None:
    link = f"{clean.settings.public_url}/verify?token=abc"
    mail_id = enqueue_mail(clean, "verify", "ann@example.org", None, link=link, display_name="<script>x</script>")
    (row,) = _rows(clean)
    assert row.id == mail_id and row.status == "pending" and row.attempts == 0
    assert row.subject == "Confirm your e-mail address for AI4D"
    assert link in row.text_body and "<script>x</script>" in row.text_body
    assert "&lt;script&gt;" in row.html_body and "<script>" not in row.html_body


def test_enqueue_in_the_callers_transaction_is_undone_with_it(clean: Container) -> None:
    with pytest.raises(RuntimeError), clean.engine.begin() as conn:
        enqueue_mail(clean, "password_changed", "ann@example.org", None, conn=conn)
        raise RuntimeError("the request failed")
    assert _rows(clean) == []


@pytest.mark.parametrize(
    ("template", "to", "context"),
    [
        ("nope", "ann@example.org", {}),
        ("verify", "ann@example.org", {}),  # link missing
        ("verify", "ann@example.org", {"link": "https://evil.example/verify"}),
        ("verify", "ann@example.org", {"link": "http://127.0.0.1:50061/verify"}),  # a prefix, not the URL
        ("password_changed", "a" * 250 + "@x.org", {}),
        ("password_changed", "ann@example.org\r\nBcc: all@example.org", {}),
        ("password_changed", "ann@example.org, bob@example.org", {}),
        ("password_changed", "ann\u2028x@example.org", {}),  # Unicode whitespace
        ("password_changed", "ann@example.org", {"display_name": "Ann\x1b[31m"}),  # control character
        ("password_changed", "ann@example.org", {"colour": "red"}),
    ],
)
def test_enqueue_refuses_what_it_cannot_send_safely(
    clean: Container, template: str, to: str, context: dict[str, str]
) -> None:
    with pytest.raises(MailError):
        enqueue_mail(clean, template, to, None, **context)  # type: ignore[arg-type]  # mypy: **dict vs conn
    assert _rows(clean) == []


def test_a_queued_message_reaches_the_sink_with_both_parts_and_the_link(mail: Container, sink: Sink) -> None:
    sink.start()
    link = f"{mail.settings.public_url}/reset?token=t0k3n"
    mail_id = enqueue_mail(mail, "reset", "ann@example.org", None, link=link, display_name="<script>alert(1)</script>")

    report = send_due(mail)

    assert (report.sent, report.retrying, report.failed, report.stopped) == (1, 0, 0, None)
    (msg,) = sink.messages()
    assert msg["To"] == "ann@example.org" and msg["From"] == mail.settings.mail_from
    assert msg["Subject"] == "Reset your AI4D password" and msg["X-AI4D-Outbox-Id"] == str(mail_id)
    assert msg.get_content_type() == "multipart/alternative"
    text, html = _parts(msg)
    assert link in text and "<script>alert(1)</script>" in text
    assert f'href="{link}"' in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script" not in html
    assert "src=" not in html and "http" not in html.replace(link, "")  # nothing loaded, one link only
    (row,) = _rows(mail)
    assert row.status == "sent" and row.attempts == 1 and row.sent_at is not None and row.last_error is None
    assert send_due(mail).sent == 0  # nothing is sent twice


def test_a_refused_connection_is_recorded_backs_off_and_is_sent_once_when_the_server_is_back(
    mail: Container, sink: Sink
) -> None:
    for n in range(3):
        enqueue_mail(mail, "password_changed", f"user{n}@example.org", None)
    now = datetime.now(UTC)

    down = send_due(mail, now=now)

    assert (down.sent, down.retrying, down.failed) == (0, 1, 0) and down.stopped
    assert "ConnectionRefusedError" in down.stopped
    first, *rest = _rows(mail)
    assert first.status == "pending" and first.attempts == 1 and "ConnectionRefusedError" in (first.last_error or "")
    assert now + timedelta(seconds=44) < first.next_attempt_at <= now + timedelta(seconds=60)
    assert all(r.attempts == 0 for r in rest)  # the run stopped: the others wait for the next one
    assert send_due(mail, now=now).sent == 0  # not due again before its backoff

    sink.start()
    up = send_due(mail, now=now + timedelta(minutes=2))

    assert (up.sent, up.retrying, up.failed, up.stopped) == (3, 0, 0, None)
    ids = sorted(m["X-AI4D-Outbox-Id"] for m in sink.messages())
    print(f"checked {len(ids)} messages delivered once each")
    assert ids == sorted(str(r.id) for r in _rows(mail))
    assert {r.status for r in _rows(mail)} == {"sent"}
    assert send_due(mail, now=now + timedelta(hours=3)).sent == 0


def test_a_message_is_marked_failed_after_the_last_attempt(mail: Container) -> None:
    enqueue_mail(mail, "account_disabled", "ann@example.org", None)
    at = datetime.now(UTC)  # after the row's created_at: due
    for _ in range(MAX_ATTEMPTS):
        report = send_due(mail, now=at)
        assert report.retrying + report.failed == 1
        at += BACKOFF_CAP
    (row,) = _rows(mail)
    assert row.status == "failed" and row.attempts == MAX_ATTEMPTS and row.last_error
    assert send_due(mail, now=at + timedelta(days=1)).retrying == 0


def test_backoff_doubles_from_a_minute_with_jitter_and_stops_at_an_hour() -> None:
    for attempts in range(1, 12):
        nominal = min(timedelta(minutes=1) * 2 ** (attempts - 1), BACKOFF_CAP)
        waits = {backoff(attempts) for _ in range(50)}
        assert all(0.75 * nominal <= w <= nominal for w in waits) and len(waits) > 1


def test_two_concurrent_senders_send_each_message_exactly_once(mail: Container, sink: Sink) -> None:
    sink.start()
    ids = {enqueue_mail(mail, "password_changed", f"user{n}@example.org", None) for n in range(30)}
    reports = []
    start = threading.Barrier(2)

    def run() -> None:
        start.wait()
        reports.append(send_due(mail))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    delivered = [int(m["X-AI4D-Outbox-Id"]) for m in sink.messages()]
    print(f"checked {len(delivered)} messages from {len(reports)} concurrent senders: {reports}")
    assert sum(r.sent for r in reports) == 30
    assert sorted(delivered) == sorted(ids)


def test_smtp_urls_parse_and_credentials_never_go_in_clear_to_another_host() -> None:
    assert SmtpTarget.parse("smtp://127.0.0.1:8025") == SmtpTarget("smtp", "127.0.0.1", 8025)
    assert SmtpTarget.parse("smtps://u%40x:p%3Aw@mail.example.org") == SmtpTarget(
        "smtps", "mail.example.org", 465, "u@x", "p:w"
    )
    assert SmtpTarget.parse("smtp+starttls://u:p@mail.example.org").port == 587
    assert SmtpTarget.parse("smtps://u:secret@mail.example.org").redacted() == "smtps://u:***@mail.example.org:465"
    with pytest.raises(ValueError, match="TLS"):
        SmtpTarget.parse("smtp://u:p@mail.example.org")
    with pytest.raises(ValueError, match="scheme"):
        SmtpTarget.parse("http://mail.example.org")


class _RefuseRecipients:
    """An SMTP handler that refuses every recipient with a permanent 550."""

    async def handle_RCPT(
        self, server: object, session: object, envelope: object, address: str, options: object
    ) -> str:
        return "550 5.1.1 no such user"


def test_a_permanent_refusal_marks_the_message_failed_at_once(mail: Container, sink: Sink) -> None:
    controller = Controller(_RefuseRecipients(), hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        enqueue_mail(mail, "password_changed", "gone@example.org", None)
        report = send_due(mail)
    finally:
        controller.stop()
    assert (report.sent, report.retrying, report.failed, report.stopped) == (0, 0, 1, None)
    (row,) = _rows(mail)
    assert row.status == "failed" and row.attempts == 1 and "550" in (row.last_error or "")


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_template_renders_without_a_display_name_and_escapes_every_value(template: str) -> None:
    hostile = '<img src="http://evil.example/x">'
    context = {name: f"{hostile}{name}" for name in TEMPLATES[template].fields if name != "link"}
    if "link" in TEMPLATES[template].fields:
        context["link"] = "http://127.0.0.1:5006/x?a=1&b=2"
    mail = render(template, context)
    assert mail.subject == TEMPLATES[template].subject and "Hello there," in mail.text_body
    assert "<img" not in mail.html_body and 'src="' not in mail.html_body
    assert not set(context) - {"link"} or "&lt;img src=&quot;http://evil.example/x&quot;&gt;" in mail.html_body
    assert all(value in mail.text_body for value in context.values())
    with_name = render(template, {**context, "display_name": "Ann & <Bob>"})
    assert "Hello Ann &amp; &lt;Bob&gt;," in with_name.html_body
