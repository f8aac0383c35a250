"""Sending e-mail over SMTP with the standard library (`smtplib`, `email.message.EmailMessage`).

URL forms (``AI4D_SMTP_URL``), user and password optional and percent-encoded:

- ``smtp://[user:password@]host[:25]``: plain SMTP (the embedded sink; credentials only to loopback);
- ``smtp+starttls://[user:password@]host[:587]``: upgraded with STARTTLS, refused if the server cannot;
- ``smtps://[user:password@]host[:465]``: TLS from the first byte.

TLS certificates are verified against the system's trust store.
"""

from __future__ import annotations

import ipaddress
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from types import TracebackType
from urllib.parse import unquote, urlsplit

DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class SmtpTarget:
    """Where and how to connect, parsed from the SMTP URL."""

    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> SmtpTarget:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS:
            raise ValueError(f"SMTP URL scheme must be one of {', '.join(DEFAULT_PORTS)}, not {scheme!r}")
        if not parts.hostname:
            raise ValueError("SMTP URL needs a host")
        user = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password else None
        target = cls(scheme, parts.hostname, parts.port or DEFAULT_PORTS[scheme], user, password)
        if user and scheme == "smtp" and not target.is_loopback:
            raise ValueError("SMTP credentials are sent only over TLS: use smtps:// or smtp+starttls://")
        return target

    @property
    def is_loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    def redacted(self) -> str:
        user = f"{self.username}:***@" if self.username else ""
        return f"{self.scheme}://{user}{self.host}:{self.port}"


def build_message(
    *, sender: str, to: str, subject: str, text_body: str, html_body: str, outbox_id: int | None = None
) -> EmailMessage:
    """A multipart/alternative message: the plain text first, the HTML as the preferred part."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or None
    msg["Message-ID"] = make_msgid("ai4d", domain=domain)
    if outbox_id is not None:
        msg["X-AI4D-Outbox-Id"] = str(outbox_id)
    msg.set_content(text_body)
    msg.add_alternative(html_body, subtype="html")
    return msg


class SmtpSender:
    """One SMTP connection, opened on the first `send` and reused until `close` (a context manager)."""

    def __init__(self, target: SmtpTarget, timeout: float = TIMEOUT_SECONDS) -> None:
        self.target = target
        self._timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    @classmethod
    def from_url(cls, url: str, timeout: float = TIMEOUT_SECONDS) -> SmtpSender:
        return cls(SmtpTarget.parse(url), timeout)

    def _connect(self) -> smtplib.SMTP:
        t = self.target
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if t.scheme == "smtps":
            smtp = smtplib.SMTP_SSL(t.host, t.port, timeout=self._timeout, context=context)
        else:
            smtp = smtplib.SMTP(t.host, t.port, timeout=self._timeout)
        try:
            if t.scheme == "smtp+starttls":
                smtp.starttls(context=context)  # raises SMTPNotSupportedError when the server cannot
            if t.username:
                smtp.login(t.username, t.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, msg: EmailMessage) -> None:
        """Send one message; raises `smtplib.SMTPException` or `OSError` (the connection is then dropped)."""
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            refused = self._smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused:
            raise  # the connection is still good
        except (smtplib.SMTPException, OSError):
            self.close()
            raise
        if refused:  # some recipients refused (we send to one, so this is not reached in practice)
            raise smtplib.SMTPRecipientsRefused(refused)

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def __enter__(self) -> SmtpSender:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


__all__ = ["DEFAULT_PORTS", "SmtpSender", "SmtpTarget", "build_message"]
