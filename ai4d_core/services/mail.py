"""Mail: requests put messages in the outbox (`enqueue_mail`); only the send-mail flow talks to SMTP.

Templates live in :mod:`ai4d_core.domain.mail_templates`; the outbox table is ``mail_outbox``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ai4d_core.adapters.sql.mail import SqlMailOutbox
from ai4d_core.bootstrap import Container
from ai4d_core.domain.mail_templates import TEMPLATES, MailTemplateError, render

if TYPE_CHECKING:
    from sqlalchemy import Connection

MAX_ADDRESS = 254
MAX_VALUE = 500  # any one context value (a name, a cohort, a link)
_ADDRESS = re.compile(r"[^@\s<>,;:\"()\[\]\\]{1,64}@[^@\s<>,;:\"()\[\]\\]+\.[^@\s<>,;:\"()\[\]\\.]+", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


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
        if len(value) > MAX_VALUE or _CONTROL.search(value):
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


__all__ = ["MailError", "check_address", "check_link", "enqueue_mail"]
