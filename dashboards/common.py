# Panel's constructors take untyped **params:
# mypy: disable-error-code="no-untyped-call"
"""Shared by the dashboards and the auth module: the process's container, the session cookie, safe text.

Nothing runs at import: the container is built on first use, once per `panel serve` process.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache
from typing import Any

import panel as pn
from markdown_it import MarkdownIt
from tornado.web import decode_signed_value

from ai4d_core.bootstrap import Container, bootstrap
from ai4d_core.services import accounts
from ai4d_core.services.accounts import SessionUser
from ai4d_core.settings import load_settings

SESSION_COOKIE = "ai4d_session"
EDUCATOR_ROLES = frozenset({"educator", "admin"})
APP_ROLES: Mapping[str, frozenset[str]] = {"educator": EDUCATOR_ROLES}  # apps not listed: any signed-in user
SESSION_ENDED = "Your session has ended; please log in again."


@cache
def container() -> Container:
    """The one container of this process, built from the AI4D_* environment on first use."""
    return bootstrap(load_settings())


def cookie_max_age_days(c: Container) -> int:
    """How long a signed session cookie may be believed (the server-side session decides first)."""
    return max(1, math.ceil(c.settings.session_absolute_hours / 24))


def token_from_signed(signed: str | bytes | None, secret: str | bytes | None) -> str | None:
    """The session token inside a signed cookie value, or None if absent or tampered with."""
    if not signed or not secret:
        return None
    value = decode_signed_value(secret, SESSION_COOKIE, signed, max_age_days=cookie_max_age_days(container()))
    return value.decode("utf-8") if value else None


def current_token() -> str | None:
    """The session token of the Panel session being served (from the request's cookies)."""
    secret = pn.config.cookie_secret
    return token_from_signed(pn.state.cookies.get(SESSION_COOKIE), secret)


def current_user() -> SessionUser | None:
    """The live server-side session's user for the Panel session being served (never the id_token alone)."""
    return accounts.session_user(container(), current_token())


def home_path(role: str) -> str:
    return "/educator" if role in EDUCATOR_ROLES else "/learner"


def may_open(role: str | None, path: str) -> bool:
    """Whether a user of `role` may open the app at `path` (None: not signed in)."""
    if role is None:
        return False
    app = path.strip("/").split("/", 1)[0]
    allowed = APP_ROLES.get(app)
    return allowed is None or role in allowed


def authorize(user_info: dict[str, Any] | None, path: str) -> bool:
    """`pn.config.authorize_callback`: decided from the server-side session, not the id_token cookie."""
    user = current_user()
    return may_open(user.role if user else None, path)


def no_html_or_links(parser: MarkdownIt) -> None:
    """markdown-it plugin for untrusted text: raw HTML shows as text; no links, autolinks or images."""
    parser.options["html"] = False
    parser.options["linkify"] = False
    parser.disable(["html_block", "html_inline", "link", "image", "autolink", "linkify"], ignoreInvalid=True)


def markdown(text: str, **kwargs: Any) -> pn.pane.Markdown:
    """A Markdown pane safe for untrusted text (learner, educator or LLM): code spans and emphasis work,
    raw HTML is escaped, links and math are off."""
    return pn.pane.Markdown(text, plugins=[no_html_or_links], disable_anchors=True, disable_math=True, **kwargs)


def header(title: str, user: SessionUser) -> pn.Row:
    """The page header: app title, who is signed in, and the logout link."""
    who = markdown(f"Signed in as **{user.display_name}** ({user.role})")
    logout = pn.pane.Markdown("[Log out](/logout)", disable_anchors=True, css_classes=["ai4d-logout"])
    return pn.Row(pn.pane.Markdown(f"## {title}"), pn.HSpacer(), who, logout, sizing_mode="stretch_width")


def ended() -> pn.pane.Markdown:
    """What a page shows when its session is no longer live."""
    return pn.pane.Markdown(f"{SESSION_ENDED} [Log in](/login)")


def format_number(value: float, digits: int = 2) -> str:
    """A score for people: at most `digits` decimals, no trailing zeros."""
    return f"{round(value, digits):g}"


__all__ = [
    "SESSION_COOKIE",
    "SESSION_ENDED",
    "authorize",
    "container",
    "current_token",
    "current_user",
    "ended",
    "format_number",
    "header",
    "home_path",
    "markdown",
    "may_open",
    "no_html_or_links",
    "token_from_signed",
]
