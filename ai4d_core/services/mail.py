"""Mail: requests put messages in the outbox (`enqueue_mail`); only the send-mail flow talks to SMTP.

Templates live in :mod:`ai4d_core.domain.mail_templates`; the outbox table is ``mail_outbox``.
"""

from __future__ import annotations

import logging
import random
import re
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ai4d_core.adapters.smtp import SmtpSender, build_message
from ai4d_core.adapters.sql.mail import Claim, SqlMailOutbox
from ai4d_core.bootstrap import Container
from ai4d_core.domain.mail_templates import TEMPLATES, MailTemplateError, render
from ai4d_core.domain.plain_text import CONTROL

if TYPE_CHECKING:
    from sqlalchemy import Connection

log = logging.getLogger("ai4d.mail")

MAX_ATTEMPTS = 8  # after the 8th failed attempt a message is marked failed (about 2 hours of retrying)
BACKOFF_FIRST = timedelta(minutes=1)  # then 2, 4, 8, … minutes up to the cap, each less 0 to 25 % jitter
BACKOFF_CAP = timedelta(hours=1)
MAX_ADDRESS = 254
MAX_VALUE = 500  # any one context value (a name, a cohort, a link)
_ADDRESS = re.compile(r"[^@\s<>,;:\"()\[\]\\]{1,64}@[^@\s<>,;:\"()\[\]\\]+\.[^@\s<>,;:\"()\[\]\\.]+")


class MailError(ValueError):
    """A message that cannot be queued; `str()` says why (safe to log, not meant for end users)."""


def check_address(to: str) -> str:
    """The address as it will be used, or `MailError` (one address, ≤ 254 characters, no header tricks)."""
    if len(to) > MAX_ADDRESS or _ADDRESS.fullmatch(to) is None:
        raise MailError("the recipient must be one e-mail address of at most 254 characters")
    return to


def check_link(link: str, public_url: str) -> None:
    """The action link must point into AI4D itself: `public_url`, then `/`, `?` or `#`, or nothing."""
    base = public_url.rstrip("/")
    rest = link[len(base) :] if link.startswith(base) else None
    if rest is None or (rest and rest[0] not in "/?#") or re.search(r"[\s\"'<>\\]", link):
        raise MailError(f"the link must start with the public URL {base}/")


def enqueue_mail(
    c: Container,
    template: str,
    to: str,
    user_id: int | None,
    *,
    conn: Connection | None = None,
    **context: str,
) -> int:
    """Render `template` for `to` and add it to the outbox as pending; returns the outbox id.

    Give `conn` to queue the message in the caller's transaction (it is sent only if that commits).
    Context: verify and reset take `link`; cohort_invitation takes `link`, `cohort`, `code`, `inviter`;
    every template takes an optional `display_name`.
    """
    spec = TEMPLATES.get(template)
    if spec is None:
        raise MailError(f"unknown mail template {template!r}; known: {', '.join(sorted(TEMPLATES))}")
    unknown = set(context) - {*spec.fields, "display_name"}
    if unknown:
        raise MailError(f"mail template {template!r} takes no {', '.join(sorted(unknown))}")
    for name, value in context.items():
        if len(value) > MAX_VALUE or CONTROL.search(value):
            raise MailError(f"{name} must be at most {MAX_VALUE} characters without control characters")
    if "link" in context:
        check_link(context["link"], c.settings.public_url)
    try:
        mail = render(template, context)
    except MailTemplateError as exc:
        raise MailError(str(exc)) from exc
    return SqlMailOutbox(c.engine).add(
        user_id=user_id,
        to_address=check_address(to),
        template=template,
        subject=mail.subject,
        text_body=mail.text_body,
        html_body=mail.html_body,
        conn=conn,
    )


@dataclass(frozen=True, slots=True)
class SendReport:
    """One run of the sender: messages sent, to be retried, given up; why it stopped early, if it did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    stopped: str | None = None


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """The wait after the `attempts`-th failure: 1 min doubled each time up to the cap, less 0 to 25 % jitter."""
    base = min(BACKOFF_FIRST * (1 << min(max(attempts - 1, 0), 30)), BACKOFF_CAP)
    jitter: float = (rng or random.Random()).uniform(0.75, 1.0)  # spreads retries of many messages apart
    return base * jitter


def _is_permanent(exc: Exception) -> bool:
    """A 5xx answer about this message (a refused recipient or content): retrying will not help."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException | smtplib.SMTPSenderRefused) and exc.smtp_code >= 500


def _is_connection_problem(exc: Exception) -> bool:
    """The server cannot be reached or will not talk to us: every other message would fail the same way."""
    per_message = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused)
    return not isinstance(exc, per_message)


def _error_text(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}".strip()


def send_due(c: Container, now: datetime | None = None, limit: int = 100) -> SendReport:
    """Send up to `limit` due pending messages, each claimed alone (two senders never send one twice).

    `now` defaults to the database's clock, which stamps new rows.
    A failure is recorded on the message (error, attempts, next attempt with backoff); after
    `MAX_ATTEMPTS` or a permanent 5xx refusal it is marked failed. When the server cannot be reached the
    run stops after recording that on the one message it tried: the rest wait for the next run.
    """
    outbox = SqlMailOutbox(c.engine)
    now = now or outbox.now()
    sent = retrying = failed = 0
    stopped: str | None = None
    with SmtpSender.from_url(c.settings.effective_smtp_url) as smtp:
        for _ in range(limit):
            with outbox.claim_one(now) as claim:
                if claim is None:
                    break
                error = _send_one(smtp, claim, c.settings.mail_from, now)
                if error is None:
                    sent += 1
                    continue
                attempts = claim.message.attempts + 1
                give_up = attempts >= MAX_ATTEMPTS or _is_permanent(error)
                retry_at = None if give_up else now + backoff(attempts)
                claim.failed(_error_text(error), retry_at)
                failed, retrying = (failed + 1, retrying) if give_up else (failed, retrying + 1)
                log.warning("mail %s attempt %d failed: %s", claim.message.id, attempts, _error_text(error))
                if _is_connection_problem(error):
                    stopped = f"{smtp.target.redacted()}: {_error_text(error)}"
                    break
    return SendReport(sent, retrying, failed, stopped)


def _send_one(smtp: SmtpSender, claim: Claim, sender: str, now: datetime) -> Exception | None:
    """Send the claimed message and mark it sent; the exception instead if sending failed."""
    m = claim.message
    msg = build_message(
        sender=sender, to=m.to_address, subject=m.subject, text_body=m.text_body, html_body=m.html_body,
        outbox_id=m.id,
    )  # fmt: skip
    try:
        smtp.send(msg)
    except (smtplib.SMTPException, OSError) as exc:
        return exc
    claim.sent(now)
    return None


__all__ = [
    "BACKOFF_CAP",
    "BACKOFF_FIRST",
    "MAX_ATTEMPTS",
    "MailError",
    "SendReport",
    "backoff",
    "check_address",
    "check_link",
    "enqueue_mail",
    "send_due",
]
