"""Mail on real services: the outbox in PostgreSQL, a real aiosmtpd sink on a loopback port."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ai4d_core.adapters.sql.tables import MailMessage
from ai4d_core.bootstrap import Container
from ai4d_core.services.mail import MailError, enqueue_mail

pytestmark = pytest.mark.integration


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
        ("password_changed", "ann@example.org", {"colour": "red"}),
    ],
)
def test_enqueue_refuses_what_it_cannot_send_safely(
    clean: Container, template: str, to: str, context: dict[str, str]
) -> None:
    with pytest.raises(MailError):
        enqueue_mail(clean, template, to, None, **context)  # type: ignore[arg-type]  # mypy: **dict vs conn
    assert _rows(clean) == []
