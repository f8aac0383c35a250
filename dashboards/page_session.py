# Panel's constructors take untyped **params:
# mypy: disable-error-code="no-untyped-call"
"""Who a dashboard page belongs to, resolved on the server, and what happens when that session ends.

- `resolve_request` (run by `auth.get_user_async` for the page, its autoload.js and its WebSocket) looks the
  live server-side session up from the HttpOnly cookie and stashes a `PageIdentity` (the user and the
  session token's SHA-256, never the token) on the tornado request. Bokeh's request proxy hands public
  attributes through, so the app reads it while the document is built (`identity_of_current_page`).
- `OWNERS` maps each Bokeh session id to the identity that opened it; a WebSocket whose cookie session is
  not that identity is refused (`websocket_owner_mismatch`).
- `PageGuard` re-checks the session every `CHECK_SECONDS` off the event loop; when it has ended (logout,
  reset, disable, expiry) or the page sat idle for the idle timeout, the page shows the "session ended"
  message and its Bokeh session is closed on the server, WebSocket included.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import panel as pn
from bokeh.util.token import check_token_signature, get_session_id
from tornado.web import RequestHandler, decode_signed_value

from ai4d_core.bootstrap import Container
from ai4d_core.security.tokens import token_hash
from ai4d_core.services import accounts
from ai4d_core.services.accounts import SessionUser
from ai4d_core.settings import Settings

log = logging.getLogger(__name__)
SESSION_COOKIE = "ai4d_session"
IDENTITY_ATTR = "ai4d_identity"
CHECK_SECONDS = 5.0
CLOSE_CODE = 4001  # WebSocket close code: the session ended


@dataclass(frozen=True, slots=True)
class PageIdentity:
    """The user of a page and the SHA-256 of their session token (what the page keeps to re-check it)."""

    user: SessionUser
    token_hash: bytes


def cookie_name(base: str, settings: Settings) -> str:
    """`base`, with the `__Host-` prefix when AI4D is served over https: the browser then insists on Secure,
    Path=/ and no Domain, so no subdomain or plain-http page can set or overwrite the cookie."""
    return f"__Host-{base}" if settings.public_url.startswith("https://") else base


def cookie_token(handler: RequestHandler, max_age_days: int, settings: Settings) -> str | None:
    """The session token inside the request's signed cookie, or None if absent or tampered with."""
    secret = handler.settings.get("cookie_secret")
    name = cookie_name(SESSION_COOKIE, settings)
    signed = handler.get_cookie(name)
    if not signed or not secret:
        return None
    value = decode_signed_value(secret, name, signed, max_age_days=max_age_days)
    return value.decode("utf-8") if value else None


def resolve_request(c: Container, handler: RequestHandler, max_age_days: int) -> PageIdentity | None:
    """The live session of a request (a database round trip: call it off the event loop), stashed on it."""
    token = cookie_token(handler, max_age_days, c.settings)
    user = accounts.session_user(c, token)
    identity = PageIdentity(user, token_hash(token)) if user and token else None
    setattr(handler.request, IDENTITY_ATTR, identity)
    return identity


def identity_of_current_page() -> PageIdentity | None:
    """The identity `resolve_request` stashed on the request that is building the current document."""
    context: Any = pn.state.curdoc.session_context if pn.state.curdoc else None
    request = context.request if context else None
    identity = getattr(request, IDENTITY_ATTR, None) if request is not None else None
    return identity if isinstance(identity, PageIdentity) else None


class Owners:
    """Bokeh session id -> the identity that opened it (thread-safe; entries go when the session does)."""

    def __init__(self) -> None:
        self._owners: dict[str, PageIdentity] = {}
        self._lock = threading.Lock()

    def register(self, session_id: str, identity: PageIdentity) -> None:
        with self._lock:
            self._owners.setdefault(session_id, identity)

    def forget(self, session_id: str) -> None:
        with self._lock:
            self._owners.pop(session_id, None)

    def get(self, session_id: str) -> PageIdentity | None:
        with self._lock:
            return self._owners.get(session_id)


OWNERS = Owners()


def websocket_session_id(handler: RequestHandler) -> str | None:
    """The Bokeh session id of a WebSocket upgrade (its token rides in Sec-WebSocket-Protocol), if signed."""
    parts = [p.strip() for p in handler.request.headers.get("Sec-WebSocket-Protocol", "").split(",")]
    if len(parts) != 2 or parts[0] != "bokeh":
        return None
    app = handler.application
    try:
        if not check_token_signature(parts[1], secret_key=app.secret_key, signed=app.sign_sessions):  # type: ignore[attr-defined]
            return None
        return str(get_session_id(parts[1]))
    except (ValueError, KeyError, TypeError):
        return None


def websocket_owner_mismatch(handler: RequestHandler, identity: PageIdentity) -> bool:
    """Whether a WebSocket upgrade must be refused: no valid Bokeh token, or a page opened by another session."""
    session_id = websocket_session_id(handler)
    if session_id is None:
        return True
    owner = OWNERS.get(session_id)
    return owner is not None and owner.token_hash != identity.token_hash


class PageGuard:
    """Ends a page whose session has ended: periodic re-check off the loop, then message and close.

    `end_page` replaces the page's content; the Bokeh session's WebSockets are then closed and the session
    expires on the server.
    """

    def __init__(self, c: Container, identity: PageIdentity, end_page: Callable[[], None], idle_seconds: float) -> None:
        self.container, self.identity, self._end_page = c, identity, end_page
        self.idle_seconds = idle_seconds
        self.last_activity = time.monotonic()
        self.ended = False
        self._callback: Any = None

    def alive(self) -> bool:
        """Re-check the server-side session (a database round trip: never on the event loop)."""
        if self.ended:
            return False
        user = accounts.session_user_by_hash(self.container, self.identity.token_hash)
        return user is not None and user.id == self.identity.user.id

    def touch(self) -> None:
        """The learner did something: the page is not idle."""
        self.last_activity = time.monotonic()

    def start(self) -> None:
        """Register the page's owner and start the periodic check (inside a served document only)."""
        doc = pn.state.curdoc
        if doc is None or doc.session_context is None:
            return
        OWNERS.register(doc.session_context.id, self.identity)
        pn.state.on_session_destroyed(lambda context: OWNERS.forget(context.id))
        self._callback = pn.state.add_periodic_callback(self._tick, period=int(CHECK_SECONDS * 1000))  # type: ignore[arg-type]

    async def _tick(self) -> None:
        idle = time.monotonic() - self.last_activity > self.idle_seconds
        alive = not idle and await asyncio.get_running_loop().run_in_executor(None, self.alive)
        if not alive:
            self.end()

    def end(self) -> None:
        """Show the ended message, stop checking and close the Bokeh session (idempotent, any thread)."""
        if self.ended:
            return
        self.ended = True
        if self._callback is not None:
            self._callback.stop()
        self._end_page()
        doc = pn.state.curdoc
        if doc is not None and doc.session_context is not None:
            doc.add_next_tick_callback(partial(close_session, doc.session_context))  # type: ignore[arg-type]


async def close_session(session_context: Any) -> None:
    """Close every WebSocket of a Bokeh session and ask the server to discard it."""
    await asyncio.sleep(0.5)  # let the "session ended" patch reach the page first
    session = getattr(session_context, "_session", None)
    if session is None:
        return
    for connection in list(getattr(session, "_subscribed_connections", ())):
        socket = getattr(connection, "_socket", None)
        if socket is not None:
            socket.close(CLOSE_CODE, "session ended")
    session.request_expiration()
    OWNERS.forget(session_context.id)


__all__ = [
    "CHECK_SECONDS",
    "IDENTITY_ATTR",
    "OWNERS",
    "SESSION_COOKIE",
    "PageGuard",
    "PageIdentity",
    "cookie_name",
    "cookie_token",
    "identity_of_current_page",
    "resolve_request",
    "websocket_owner_mismatch",
    "websocket_session_id",
]


def poll_off_loop(check: Callable[[], object], ended: Callable[[], bool], seconds: float, what: str) -> None:
    """Run `check` every `seconds` on a worker thread, never on the event loop, until `ended()` (served documents
    only); a failure is logged and tried again at the next tick (a store briefly down)."""
    doc = pn.state.curdoc
    if doc is None or doc.session_context is None:
        return

    async def tick() -> None:
        if ended():
            callback.stop()
            return
        try:
            await asyncio.get_running_loop().run_in_executor(None, check)
        except Exception:
            log.exception("%s failed", what)

    callback = pn.state.add_periodic_callback(tick, period=int(seconds * 1000))  # type: ignore[arg-type]
