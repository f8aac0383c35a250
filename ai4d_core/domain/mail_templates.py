"""The e-mails AI4D sends: a fixed subject, a plain-text body and an HTML body per template.

Bodies are `string.Template`s. Every value is HTML-escaped before it goes into the HTML body; the HTML
loads nothing from other hosts (no images, fonts or stylesheets) and its one link is the action link.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from string import Template

DEFAULT_NAME = "there"  # "Hello there," when the display name is missing


@dataclass(frozen=True, slots=True)
class MailTemplate:
    """One kind of e-mail: its subject, the context it needs, and its two bodies."""

    subject: str
    fields: tuple[str, ...]
    text: str
    html: str


@dataclass(frozen=True, slots=True)
class RenderedMail:
    subject: str
    text_body: str
    html_body: str


_BUTTON = '<p><a href="$link" style="font-weight:bold">$action</a></p><p>Or paste this address: $link</p>'
_IGNORE = "If you did not ask for this, ignore this e-mail."

TEMPLATES: dict[str, MailTemplate] = {
    "verify": MailTemplate(
        subject="Confirm your e-mail address for AI4D",
        fields=("link",),
        text="Hello $display_name,\n\nConfirm your e-mail address by opening this link (valid 24 hours):\n\n"
        f"$link\n\n{_IGNORE}\n",
        html="<p>Hello $display_name,</p><p>Confirm your e-mail address (the link is valid 24 hours).</p>"
        + _BUTTON.replace("$action", "Confirm my address")
        + f"<p>{_IGNORE}</p>",
    ),
    "reset": MailTemplate(
        subject="Reset your AI4D password",
        fields=("link",),
        text="Hello $display_name,\n\nSet a new password by opening this link (valid 1 hour, usable once):\n\n"
        f"$link\n\n{_IGNORE} Your password stays as it is.\n",
        html="<p>Hello $display_name,</p><p>Set a new password (the link is valid 1 hour and works once).</p>"
        + _BUTTON.replace("$action", "Choose a new password")
        + f"<p>{_IGNORE} Your password stays as it is.</p>",
    ),
    "password_changed": MailTemplate(
        subject="Your AI4D password was changed",
        fields=(),
        text="Hello $display_name,\n\nThe password of your AI4D account was just changed and your other "
        "sessions were ended.\n\nIf this was not you, reset your password at once and tell your educator.\n",
        html="<p>Hello $display_name,</p><p>The password of your AI4D account was just changed and your other "
        "sessions were ended.</p><p>If this was not you, reset your password at once and tell your educator.</p>",
    ),
    "account_disabled": MailTemplate(
        subject="Your AI4D account was disabled",
        fields=(),
        text="Hello $display_name,\n\nYour AI4D account was disabled by an administrator and its sessions "
        "were ended.\n\nIf you think this is a mistake, contact your educator or administrator.\n",
        html="<p>Hello $display_name,</p><p>Your AI4D account was disabled by an administrator and its sessions "
        "were ended.</p><p>If you think this is a mistake, contact your educator or administrator.</p>",
    ),
    "cohort_invitation": MailTemplate(
        subject="You are invited to an AI4D cohort",
        fields=("link", "cohort", "code", "inviter"),
        text='Hello $display_name,\n\n$inviter invites you to join the cohort "$cohort" on AI4D.\n\n'
        "Join by opening this link:\n\n$link\n\nor enter the join code $code on your AI4D page.\n",
        html="<p>Hello $display_name,</p><p>$inviter invites you to join the cohort <b>$cohort</b> on AI4D.</p>"
        + _BUTTON.replace("$action", "Join the cohort")
        + "<p>Or enter the join code <b>$code</b> on your AI4D page.</p>",
    ),
    "profile_ready": MailTemplate(
        subject="Your new AI4D learning profile is ready",
        fields=("link",),
        text="Hello $display_name,\n\nA new version of your learning profile is ready. Read it on your AI4D page:"
        "\n\n$link\n\nYou get this e-mail because you asked for it; turn it off in Settings on your AI4D page.\n",
        html="<p>Hello $display_name,</p><p>A new version of your learning profile is ready.</p>"
        + _BUTTON.replace("$action", "Open my profile")
        + "<p>You get this e-mail because you asked for it; turn it off in Settings on your AI4D page.</p>",
    ),
}

_HTML_FRAME = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>$subject</title></head>'
    '<body style="font-family:sans-serif;line-height:1.5;max-width:36em">$body'
    '<p style="color:#666;font-size:small">AI4D</p></body></html>'
)


class MailTemplateError(ValueError):
    """An unknown template or a missing context value."""


def render(template: str, context: dict[str, str]) -> RenderedMail:
    """Fill in one template; `display_name` may be missing or empty, every other field is required."""
    spec = TEMPLATES.get(template)
    if spec is None:
        raise MailTemplateError(f"unknown mail template {template!r}; known: {', '.join(sorted(TEMPLATES))}")
    missing = [name for name in spec.fields if not context.get(name)]
    if missing:
        raise MailTemplateError(f"mail template {template!r} needs {', '.join(missing)}")
    values = {name: context[name] for name in spec.fields}
    values["display_name"] = (context.get("display_name") or "").strip() or DEFAULT_NAME
    escaped = {name: escape(value, quote=True) for name, value in values.items()}
    body = Template(spec.html).substitute(escaped)
    html = Template(_HTML_FRAME).substitute(subject=escape(spec.subject), body=body)
    return RenderedMail(spec.subject, Template(spec.text).substitute(values), html)


__all__ = ["TEMPLATES", "MailTemplate", "MailTemplateError", "RenderedMail", "render"]
