"""Panel `--auth-module`: e-mail and password login against AI4D's own accounts and server-side sessions.

The signed `ai4d_session` cookie holds a random session token; every HTTP request and WebSocket
connection looks the session up (`get_user_async`), so logout, disabling and timeouts take effect at once.
Panel's `id_token` cookie (user, role, uid) only feeds `pn.state.user_info`; nothing trusts it for access.
"""

from __future__ import annotations

import html
from string import Template
from typing import Any
from urllib.parse import urlencode, urlparse

import panel as pn
from panel.auth import BasicLoginHandler
from panel.auth import LogoutHandler as PanelLogoutHandler
from tornado.ioloop import IOLoop
from tornado.web import Finish, RequestHandler

from ai4d_core.security.device import DEVICE_COOKIE
from ai4d_core.services import accounts
from ai4d_core.services.accounts import LoginError, SessionUser
from dashboards.account_pages import PAGE_STYLE, client_source, off_loop, page_headers, set_device_cookie
from dashboards.common import SESSION_COOKIE, authorize, container, cookie_max_age_days, home_path, may_open
from dashboards.error_pages import refuse
from dashboards.page_session import cookie_name, cookie_token, resolve_request, websocket_owner_mismatch

login_url = "/login"
logout_url = "/logout"
PANEL_COOKIES = ("user", "id_token", "is_guest")

pn.config.authorize_callback = authorize  # a learner gets 403 on /educator


def _page_headers(handler: RequestHandler) -> None:
    """The login and logout pages: the account pages' headers (no cache, no framing, no script, CSP)."""
    page_headers(handler)


LOGIN_PAGE = Template("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>AI4D: log in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
$style</head><body>
<form method="post" action="$action">
<h1>AI4D</h1>
<p class="error" role="alert">$error</p>
<label for="email">E-mail</label><input id="email" name="email" type="email" autocomplete="username"
 value="$email" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password"
 autocomplete="current-password" required>
<input type="hidden" name="next" value="$next">$xsrf
<button type="submit">Log in</button>
$links
</form></body></html>""")
LOGIN_LINKS = '<a href="/forgot">Forgot your password?</a><a href="/register">Create an account</a>'
UNVERIFIED_LINKS = '<a href="/resend-verification">Send me a new confirmation link</a>' + LOGIN_LINKS


def safe_next(next_url: str | None) -> str | None:
    """A same-site path to go to after login, or None (no scheme, host, backslash or `//`)."""
    if not next_url or not next_url.startswith("/") or next_url.startswith("//") or "\\" in next_url:
        return None
    parsed = urlparse(next_url)
    if parsed.scheme or parsed.netloc or next_url.rstrip("/") in (login_url, logout_url):
        return None
    return next_url


def _session_token(handler: RequestHandler) -> str | None:
    return cookie_token(handler, cookie_max_age_days(container()), container().settings)


def _live_user(handler: RequestHandler) -> SessionUser | None:
    return accounts.session_user(container(), _session_token(handler))


async def get_user_async(request_handler: RequestHandler) -> str | None:
    """The signed-in user's e-mail, only while their server-side session is live (page, autoload.js, WebSocket).

    The session lookup is a database round trip: it runs on a worker thread, never on the event loop. The
    resolved identity is stashed on the request for the app (`dashboards.page_session`). A path the user's role
    may not open (`common.may_open`), or a WebSocket to a Bokeh session another login opened, gets AI4D's 403.
    """
    c = container()
    loop = IOLoop.current()
    identity = await loop.run_in_executor(None, resolve_request, c, request_handler, cookie_max_age_days(c))
    path = request_handler.request.path
    if identity is None:
        if path.endswith("/autoload.js"):  # tornado's redirect here, since Panel's handler fails after it (a traceback)
            login = request_handler.get_login_url()
            request_handler.redirect(f"{login}?{urlencode({'next': request_handler.request.uri})}")
            raise Finish
        return None
    if not may_open(identity.user.role, path):
        refuse(request_handler)
    if path.endswith("/ws") and websocket_owner_mismatch(request_handler, identity):
        refuse(request_handler)
    return identity.user.email


def _cookie_options(handler: RequestHandler) -> dict[str, Any]:
    secure = container().settings.public_url.startswith("https") or handler.request.protocol == "https"
    return {"httponly": True, "samesite": "Lax", "secure": secure, "path": pn.config.cookie_path or "/"}


def _clear_cookies(handler: RequestHandler) -> None:
    """End the browser's copy of the session, and Panel's cookies that older versions of AI4D set."""
    options = _cookie_options(handler)
    handler.clear_cookie(cookie_name(SESSION_COOKIE, container().settings), path="/", secure=options["secure"])
    for name in PANEL_COOKIES:
        handler.clear_cookie(name, path=pn.config.cookie_path or "/")


class LoginHandler(BasicLoginHandler):
    """GET shows the form; POST checks the credentials off the event loop and opens a server-side session.

    Failures answer 401 with one text for unknown e-mails and wrong passwords; throttled attempts 429.
    A successful login also gives the browser a device cookie (its own throttling budget next time).
    """

    def _render(self, error: str = "", email: str = "", next_url: str | None = None, links: str = LOGIN_LINKS) -> None:
        _page_headers(self)
        self.write(LOGIN_PAGE.substitute(
            style=PAGE_STYLE,
            action=html.escape(login_url), error=html.escape(error), email=html.escape(email),
            next=html.escape(next_url or ""), xsrf=self.xsrf_form_html(), links=links,
        ))  # fmt: skip

    async def get(self) -> None:
        user = await off_loop(_live_user, self)
        next_url = safe_next(self.get_argument("next", None))
        if user is not None:
            self.redirect(next_url or home_path(user.role))
            return
        self._render(next_url=next_url)

    def _login(self, email: str, password: str, source: str, device: str | None) -> tuple[str, SessionUser | None]:
        """On the auth pool: check, open the new session, end the previous one (rotation), look the user up."""
        c = container()
        token = accounts.login(c, email.strip(), password, source=source, device=device)
        accounts.logout(c, _session_token(self), source=source)
        return token, accounts.session_user(c, token)

    async def post(self) -> None:
        self.check_xsrf_cookie()  # double-submit token from the form: no login CSRF
        email = self.get_argument("email", "")[:320]
        next_url = safe_next(self.get_argument("next", None))
        password = self.get_argument("password", "")
        try:
            token, user = await off_loop(
                self._login,
                email,
                password,
                client_source(self),
                self.get_cookie(cookie_name(DEVICE_COOKIE, container().settings)),
            )
        except LoginError as exc:
            self.set_status(429 if isinstance(exc, accounts.ThrottledError) else 401)
            links = UNVERIFIED_LINKS if isinstance(exc, accounts.UnverifiedError) else LOGIN_LINKS
            self._render(str(exc), email, next_url, links)
            return
        if user is None:  # the session cannot vanish between these calls unless revoked at once
            self.set_status(401)
            self._render(accounts.LOGIN_FAILED, email, next_url)
            return
        self._set_session_cookies(token, user)
        set_device_cookie(self, user.id)
        self.redirect(next_url or home_path(user.role))

    def set_current_user(self, user: str) -> None:
        """Panel's hook: set the cookies for session token `user` (looked up; cleared if not live)."""
        session = accounts.session_user(container(), user) if user else None
        if session is None:
            _clear_cookies(self)
            return
        self._set_session_cookies(user, session)

    def _set_session_cookies(self, user: str, session: SessionUser) -> None:
        """The session cookie only (`user` is the session token; HttpOnly, SameSite=Lax, Secure and `__Host-`
        under https). Panel's `user`/`id_token` cookies are not set: the server resolves every request's user
        from this cookie (`get_user_async`), and nothing else needs them."""
        options = _cookie_options(self)
        self.set_signed_cookie(cookie_name(SESSION_COOKIE, container().settings), user, expires_days=None, **options)
        for name in PANEL_COOKIES:
            self.clear_cookie(name, path=options["path"])


LOGOUT_PAGE = Template("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>AI4D: log out</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
$style</head><body>
<form method="post" action="$action">
<h1>Log out of AI4D?</h1>$xsrf
<button type="submit">Log out</button>
<a href="/">Stay signed in</a>
</form></body></html>""")


class LogoutHandler(PanelLogoutHandler):
    """GET asks to confirm; the POST (with the form's token) revokes the session and clears every auth cookie.

    A GET never logs out, so another site cannot end a learner's session by linking to /logout.
    """

    def get(self) -> None:
        _page_headers(self)
        self.write(LOGOUT_PAGE.substitute(style=PAGE_STYLE, action=html.escape(logout_url), xsrf=self.xsrf_form_html()))

    async def post(self) -> None:
        self.check_xsrf_cookie()
        await off_loop(accounts.logout, container(), _session_token(self), client_source(self))
        _clear_cookies(self)
        self.set_header("Cache-Control", "no-store")
        self.redirect(login_url)
