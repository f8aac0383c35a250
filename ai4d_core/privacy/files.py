"""Personal data in files under the var folder: service logs (`log/*.log`) and the development mail sink
(`mail/`, a Maildir). Found by the person's e-mail; erased by redaction (logs) or deletion (messages)."""

from __future__ import annotations

import mailbox
import re
from email.message import Message
from pathlib import Path
from typing import Any

ERASED = "[erased]"
REDACTED = "[redacted]"
MAX_LOG_LINES = 10_000  # lines exported per person; a log that names someone more often is cut here
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,}")  # a random link token (43 characters from secrets.token_urlsafe)


def redact_tokens(text: str) -> str:
    """Text with anything that looks like a random token replaced, so an export holds no usable link."""
    return _TOKEN.sub(REDACTED, text)


def _logs(var_dir: Path) -> list[Path]:
    folder = var_dir / "log"
    return sorted(folder.glob("*.log")) if folder.is_dir() else []


def _pattern(email: str) -> re.Pattern[str]:
    return re.compile(re.escape(email), re.IGNORECASE)


def log_lines(var_dir: Path, email: str) -> list[dict[str, Any]]:
    """Lines of the service logs that contain the e-mail: file, line number and text (tokens redacted)."""
    found: list[dict[str, Any]] = []
    pattern = _pattern(email)
    for path in _logs(var_dir):
        with path.open(encoding="utf-8", errors="replace") as lines:
            for number, line in enumerate(lines, start=1):
                if pattern.search(line):
                    found.append({"file": path.name, "line": number, "text": redact_tokens(line.rstrip("\n"))})
                    if len(found) >= MAX_LOG_LINES:
                        return found
    return found


def redact_logs(var_dir: Path, email: str) -> int:
    """Replace the e-mail by "[erased]" in every log file, in place; returns the number of lines changed.

    Writers append (O_APPEND), so rewriting the file in place keeps them writing at its end; a line
    appended while a file is being rewritten may be lost.
    """
    pattern = _pattern(email)
    changed = 0
    for path in _logs(var_dir):
        text = path.read_bytes().decode("utf-8", errors="surrogateescape")
        lines = text.splitlines(keepends=True)
        hits = sum(1 for line in lines if pattern.search(line))
        if not hits:
            continue
        with path.open("r+b") as out:
            out.write(pattern.sub(ERASED, text).encode("utf-8", errors="surrogateescape"))
            out.truncate()
        changed += hits
    return changed


def _sink(var_dir: Path) -> mailbox.Maildir | None:
    folder = var_dir / "mail"
    return mailbox.Maildir(folder, create=False) if (folder / "cur").is_dir() else None


def _is_to(message: Message, email: str) -> bool:
    return any(email in str(message.get(h, "")).lower() for h in ("To", "Cc", "Bcc", "X-RcptTo", "X-Peer-To"))


def _text_of(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload.decode(part.get_content_charset() or "utf-8", errors="replace")
    return ""


def mail_messages(var_dir: Path, email: str) -> list[dict[str, Any]]:
    """Messages to the e-mail in the development mail sink: headers and plain text, tokens redacted."""
    sink = _sink(var_dir)
    if sink is None:
        return []
    return [
        {
            "date": str(message.get("Date", "")),
            "from": str(message.get("From", "")),
            "to": str(message.get("To", "")),
            "subject": str(message.get("Subject", "")),
            "text": redact_tokens(_text_of(message)),
        }
        for _key, message in sorted(sink.items(), key=lambda kv: kv[0])
        if _is_to(message, email)
    ]


def delete_mail(var_dir: Path, email: str) -> int:
    """Delete the messages to the e-mail from the development mail sink; returns how many."""
    sink = _sink(var_dir)
    if sink is None:
        return 0
    keys = [key for key, message in sink.items() if _is_to(message, email)]
    for key in keys:
        sink.discard(key)
    return len(keys)
