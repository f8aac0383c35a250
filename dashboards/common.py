# Panel's constructors take untyped **params:
# mypy: disable-error-code="no-untyped-call"
"""Shared by the dashboards and the auth module: the process's container, the session cookie, safe text.

Nothing runs at import: the container is built on first use, once per `panel serve` process.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

import panel as pn
import param
from markdown_it import MarkdownIt

from ai4d_core.bootstrap import Container, bootstrap
from ai4d_core.services import accounts
from ai4d_core.services.accounts import SessionUser
from ai4d_core.settings import load_settings
from dashboards.page_session import SESSION_COOKIE, PageGuard, PageIdentity, identity_of_current_page

EDUCATOR_ROLES = frozenset({"educator", "admin"})
ALL_ROLES = frozenset(accounts.ROLES)
APP_ROLES: Mapping[str, frozenset[str]] = {
    "learner": ALL_ROLES,
    "educator": EDUCATOR_ROLES,
    "admin": frozenset({"admin"}),
}  # the one rule table for app paths, their autoload.js and their WebSocket; other paths: any signed-in user
SESSION_ENDED = "Your session has ended; please log in again."


@cache
def container() -> Container:
    """The one container of this process, built from the AI4D_* environment on first use."""
    return bootstrap(load_settings())


def cookie_max_age_days(c: Container) -> int:
    """How long a signed session cookie may be believed (the server-side session decides first)."""
    return max(1, math.ceil(c.settings.session_absolute_hours / 24))


def current_identity() -> PageIdentity | None:
    """The page's identity, resolved on the server from the HttpOnly cookie when the request came in."""
    return identity_of_current_page()


def current_user() -> SessionUser | None:
    """The live server-side session's user for the Panel session being served (resolved on the server)."""
    identity = current_identity()
    return identity.user if identity else None


def home_path(role: str) -> str:
    return "/educator" if role in EDUCATOR_ROLES else "/learner"


def app_of(path: str) -> str:
    """The app a path belongs to: `/educator`, `/educator/`, `/educator/autoload.js`, `/educator/ws` -> educator."""
    return path.strip("/").split("/", 1)[0]


def may_open(role: str | None, path: str) -> bool:
    """Whether a user of `role` may open `path`, its autoload.js or its WebSocket (None: not signed in)."""
    if role is None:
        return False
    allowed = APP_ROLES.get(app_of(path))
    return allowed is None or role in allowed


def authorize(user_info: dict[str, Any] | None, path: str) -> bool:
    """`pn.config.authorize_callback`: the same rule, from the identity resolved on the server (not cookies)."""
    user = current_user()
    return may_open(user.role if user else None, path)


def no_html_or_links(parser: MarkdownIt) -> None:
    """markdown-it plugin for untrusted text: raw HTML shows as text; no links, autolinks or images."""
    parser.options["html"] = False
    parser.options["linkify"] = False
    parser.disable(["html_block", "html_inline", "link", "image", "autolink", "linkify"], ignoreInvalid=True)


# Code in Markdown at WCAG 2.2 AA contrast: Panel's inline code (#82aaff) is 2.3:1 on white; ours 8.3:1, and code
# blocks dark text (14.7:1) on a light grey.
MARKDOWN_CSS = """
:not(pre) > code { color: #1f4e8c !important; }
.codehilite, .codehilite pre { background: #f3f5f8 !important; }
.codehilite pre, .codehilite pre span { color: #1f2933 !important; font-style: normal; }
"""


def markdown(text: str, **kwargs: Any) -> pn.pane.Markdown:
    """A Markdown pane safe for untrusted text (learner, educator or LLM): code spans, fenced code blocks and
    emphasis work (code at AA contrast), raw HTML is escaped, links and math are off."""
    stylesheets = [MARKDOWN_CSS, *kwargs.pop("stylesheets", [])]
    return pn.pane.Markdown(
        text, plugins=[no_html_or_links], disable_anchors=True, disable_math=True, stylesheets=stylesheets, **kwargs
    )


def header(title: str, user: SessionUser) -> pn.Row:
    """The page header: app title, who is signed in, and the logout link."""
    who = markdown(f"Signed in as **{user.display_name}** ({user.role})")
    links = pn.pane.Markdown(
        "[Change password](/account/password) · [Log out](/logout)", disable_anchors=True, css_classes=["ai4d-logout"]
    )
    return pn.Row(pn.pane.Markdown(f"## {title}"), pn.HSpacer(), who, links, sizing_mode="stretch_width")


def ended() -> pn.pane.Markdown:
    """What a page shows when its session is no longer live: the message and a way back."""
    return pn.pane.Markdown(f"{SESSION_ENDED} [Log in](/login) or go [home](/)", css_classes=["ai4d-ended"])


def guarded(
    identity: PageIdentity,
    content: Any,
    state: param.Parameterized,
    activity: Sequence[str],
    parts: Sequence[tuple[param.Parameterized, Sequence[str]]] = (),
    final: Callable[[], Any] = ended,
) -> pn.Column:
    """The page's root: `content` until its session ends, then `final()` (the ended message) and the Bokeh
    session is closed.

    The end comes from the periodic check (`PageGuard`) or from a callback of `state` or of one of the page's
    other `parts` (state, activity events) that found the session gone (its `ended` set); the activity events
    count as use (the page is not idle).
    """
    c = container()
    root = pn.Column(content, sizing_mode="stretch_width")

    def end_page() -> None:
        root.objects = [final()]

    guard = PageGuard(c, identity, end_page, idle_seconds=c.settings.session_idle_minutes * 60)
    for part, events in ((state, activity), *parts):
        part.param.watch(lambda event: guard.end() if event.new else None, "ended")
        if events:
            part.param.watch(lambda event: guard.touch(), list(events))
    guard.start()
    return root


def session_alive(c: Container, identity: PageIdentity | None) -> bool:
    """Whether the page's server-side session is still live (fails closed; a database round trip)."""
    if identity is None:
        return False
    user = accounts.session_user_by_hash(c, identity.token_hash)
    return user is not None and user.id == identity.user.id


def format_number(value: float, digits: int = 2) -> str:
    """A score for people: at most `digits` decimals, no trailing zeros."""
    return f"{round(value, digits):g}"


def lazy_tabs(*tabs: tuple[str, Any]) -> pn.Tabs:
    """Tabs whose views are laid out when first opened, not with the page (as `LearnerLayout`'s sections):
    laying out the educator's four took about 250 ms of each page load for the one tab shown. Only the open tab
    is in the page (`dynamic`): no focusable content hidden with aria-hidden."""
    holders = [pn.Column(sizing_mode="stretch_width") for _ in tabs]
    widget = pn.Tabs(*[(name, holder) for (name, _), holder in zip(tabs, holders, strict=True)], dynamic=True)

    def open_active(*_: object) -> None:
        holder = holders[widget.active]
        if not len(holder):
            holder.append(tabs[widget.active][1])

    widget.param.watch(open_active, "active")
    open_active()
    return widget


__all__ = [
    "APP_ROLES",
    "SESSION_COOKIE",
    "SESSION_ENDED",
    "app_of",
    "authorize",
    "container",
    "cookie_max_age_days",
    "current_identity",
    "current_user",
    "ended",
    "format_number",
    "guarded",
    "header",
    "home_path",
    "lazy_tabs",
    "markdown",
    "may_open",
    "no_html_or_links",
    "session_alive",
]
