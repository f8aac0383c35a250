"""`ai4d mail ...`: read what the embedded SMTP sink kept (the Maildir `var/mail`) and the outbox's state."""

from __future__ import annotations

import email
import email.policy
import mailbox
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Annotated

import typer

from ai4d_cli.services import VarLayout
from ai4d_core.settings import load_settings

mail_app = typer.Typer(help="Read the mail kept by the embedded SMTP sink; see the outbox.", no_args_is_help=True)
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # no terminal escapes from a message
_EPOCH = datetime.fromtimestamp(0, UTC)


@dataclass(frozen=True, slots=True)
class SinkMessage:
    """One message of the sink's Maildir; `id` is its Maildir key."""

    id: str
    date: datetime
    message: EmailMessage

    @property
    def to(self) -> str:
        return str(self.message.get("To", ""))

    @property
    def subject(self) -> str:
        return str(self.message.get("Subject", ""))


def _date(msg: EmailMessage, fallback: float) -> datetime:
    try:
        return parsedate_to_datetime(str(msg["Date"])).astimezone(UTC)
    except (TypeError, ValueError):
        return datetime.fromtimestamp(fallback, UTC)


def read_sink(maildir: Path) -> list[SinkMessage]:
    """Every message in `maildir`, newest first (none when the folder does not exist yet)."""
    if not (maildir / "cur").is_dir():
        return []
    box = mailbox.Maildir(maildir, create=False)
    found = []
    for key in box.iterkeys():
        raw = box.get_bytes(key)
        msg = email.message_from_bytes(raw, _class=EmailMessage, policy=email.policy.default)
        found.append(SinkMessage(key, _date(msg, box.get_message(key).get_date()), msg))
    return sorted(found, key=lambda m: (m.date, m.id), reverse=True)


def _clean(text: str) -> str:
    return _UNPRINTABLE.sub("?", text)


def _maildir() -> Path:
    return VarLayout.of(load_settings()).mail


@mail_app.command("list")
def list_(
    to: Annotated[str | None, typer.Option("--to", help="Only messages to this address.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 20,
) -> None:
    """One line per message in the sink: id, date (UTC), to, subject."""
    maildir = _maildir()
    messages = [m for m in read_sink(maildir) if to is None or to.lower() in m.to.lower()]
    for m in messages[:limit]:
        typer.echo(_clean(f"{m.id}  {m.date:%Y-%m-%d %H:%M:%S}  {m.to}  {m.subject}"))
    typer.echo(f"{min(len(messages), limit)} of {len(messages)} message(s) in {maildir}")


@mail_app.command("show")
def show(
    message_id: Annotated[str, typer.Argument(metavar="ID", help="A message id from `ai4d mail list` (or a prefix).")],
    html: Annotated[bool, typer.Option("--html", help="Print the HTML part instead of the text.")] = False,
) -> None:
    """The headers and the plain-text part (or the HTML) of one message of the sink."""
    matches = [m for m in read_sink(_maildir()) if m.id.startswith(message_id)]
    if len(matches) != 1:
        typer.echo(f"{'no' if not matches else 'more than one'} message with id {message_id!r}", err=True)
        raise typer.Exit(1)
    msg = matches[0].message
    for name in ("Date", "From", "To", "Subject", "Message-ID", "X-AI4D-Outbox-Id"):
        if name in msg:
            typer.echo(_clean(f"{name}: {msg[name]}"))
    part = msg.get_body(("html",) if html else ("plain",))
    typer.echo("")
    typer.echo(_clean(str(part.get_content())) if part is not None else "(no such part)")


@mail_app.command("outbox")
def outbox(limit: Annotated[int, typer.Option(min=1, help="Recent failures to show.")] = 10) -> None:
    """Messages per status in the outbox, and the latest recorded failures."""
    from ai4d_core.adapters.sql.mail import SqlMailOutbox
    from ai4d_core.bootstrap import bootstrap

    with bootstrap(load_settings()) as c:
        store = SqlMailOutbox(c.engine)
        counts, failures = store.counts(), store.recent_failures(limit)
    typer.echo("  ".join(f"{status}={n}" for status, n in counts.items()))
    for f in failures:
        when = "given up" if f.status == "failed" else f"next attempt {f.next_attempt_at:%Y-%m-%d %H:%M:%S}"
        typer.echo(_clean(f"{f.id}  {f.template}  {f.to_address}  attempts={f.attempts}  {when}  {f.last_error}"))


__all__ = ["SinkMessage", "mail_app", "read_sink"]
