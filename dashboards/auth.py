"""Panel `--auth-module`: e-mail and password login against AI4D's own accounts and server-side sessions.

The signed `ai4d_session` cookie holds a random session token; every HTTP request and WebSocket
connection looks the session up (`get_user_async`), so logout, disabling and timeouts take effect at once.
Panel's `id_token` cookie (user, role, uid) only feeds `pn.state.user_info`; nothing trusts it for access.
"""

from __future__ import annotations

import html
import json
from string import Template
from typing import Any
from urllib.parse import urlparse

import panel as pn
from panel.auth import BasicLoginHandler
from panel.auth import LogoutHandler as PanelLogoutHandler
from panel.util import base64url_encode
from tornado.ioloop import IOLoop
from tornado.web import RequestHandler

from ai4d_core.services import accounts
from ai4d_core.services.accounts import LoginError, SessionUser
from dashboards.common import SESSION_COOKIE, authorize, container, home_path, token_from_signed

login_url = "/login"
logout_url = "/logout"
PANEL_COOKIES = ("user", "id_token", "is_guest")

pn.config.authorize_callback = authorize  # a learner gets 403 on /educator

PAGE_STYLE = """<style>
body{font-family:system-ui,sans-serif;background:#f4f6f8;display:flex;justify-content:center;margin:0}
form{background:#fff;margin-top:12vh;padding:2rem 2.5rem;border-radius:8px;box-shadow:0 2px 12px #0002;width:20rem}
h1{font-size:1.4rem;margin:0 0 1rem}label{display:block;margin:.8rem 0 .2rem}
input{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem}
button{margin-top:1.2rem;width:100%;padding:.6rem;font-size:1rem;background:#0072b5;color:#fff;border:0;
border-radius:4px;cursor:pointer}.error{color:#b00020;margin:.5rem 0}a{display:block;margin-top:1rem}
</style>"""


def _page_headers(handler: RequestHandler) -> None:
    """The login and logout pages: never cached, never framed, no script, forms post only here."""
    handler.set_header("Cache-Control", "no-store")
    handler.set_header("X-Frame-Options", "DENY")
    handler.set_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")


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
</form></body></html>""")


def safe_next(next_url: str | None) -> str | None:
    """A same-site path to go to after login, or None (no scheme, host, backslash or `//`)."""
    if not next_url or not next_url.startswith("/") or next_url.startswith("//") or "\\" in next_url:
        return None
    parsed = urlparse(next_url)
    if parsed.scheme or parsed.netloc or next_url.rstrip("/") in (login_url, logout_url):
        return None
    return next_url


def _session_token(handler: RequestHandler) -> str | None:
    return token_from_signed(handler.get_cookie(SESSION_COOKIE), handler.settings.get("cookie_secret"))


def _live_user(handler: RequestHandler) -> SessionUser | None:
    return accounts.session_user(container(), _session_token(handler))


async def get_user_async(request_handler: RequestHandler) -> str | None:
    """The signed-in user's e-mail, only while their server-side session is live (HTTP and WebSocket).

    The session lookup is a database round trip: it runs on a worker thread, never on the event loop.
    """
    user = await IOLoop.current().run_in_executor(None, _live_user, request_handler)
    return user.email if user else None


def _cookie_options(handler: RequestHandler) -> dict[str, Any]:
    secure = container().settings.public_url.startswith("https") or handler.request.protocol == "https"
    return {"httponly": True, "samesite": "Lax", "secure": secure, "path": pn.config.cookie_path or "/"}


def _clear_cookies(handler: RequestHandler) -> None:
    for name in (SESSION_COOKIE, *PANEL_COOKIES):
        handler.clear_cookie(name, path=pn.config.cookie_path or "/")


class LoginHandler(BasicLoginHandler):
    """GET shows the form; POST checks the credentials and opens a server-side session."""

    def _render(self, error: str = "", email: str = "", next_url: str | None = None) -> None:
        _page_headers(self)
        self.write(LOGIN_PAGE.substitute(
            style=PAGE_STYLE,
            action=html.escape(login_url), error=html.escape(error), email=html.escape(email),
            next=html.escape(next_url or ""), xsrf=self.xsrf_form_html(),
        ))  # fmt: skip

    def get(self) -> None:
        user = _live_user(self)
        next_url = safe_next(self.get_argument("next", None))
        if user is not None:
            self.redirect(next_url or home_path(user.role))
            return
        self._render(next_url=next_url)

    def _validate(self, username: str, password: str) -> str:
        """Open a session for valid credentials (raises `LoginError`, whose text is safe to show)."""
        return accounts.login(container(), username.strip(), password, source=self.request.remote_ip or "")

    def post(self) -> None:
        self.check_xsrf_cookie()  # double-submit token from the form: no login CSRF
        email = self.get_argument("email", "")
        next_url = safe_next(self.get_argument("next", None))
        try:
            token = self._validate(email, self.get_argument("password", ""))
        except LoginError as exc:
            self.set_status(401)
            self._render(str(exc), email, next_url)
            return
        accounts.logout(container(), _session_token(self))  # rotate: the previous session, if any, ends
        user = accounts.session_user(container(), token)
        if user is None:  # the session cannot vanish between these calls unless revoked at once
            self.set_status(401)
            self._render(accounts.LOGIN_FAILED, email, next_url)
            return
        self.set_current_user(token)
        self.redirect(next_url or home_path(user.role))

    def set_current_user(self, user: str) -> None:
        """Set the session cookie (`user` is the session token) and Panel's `user` and `id_token` cookies."""
        if not user:
            _clear_cookies(self)
            return
        session = accounts.session_user(container(), user)
        if session is None:
            _clear_cookies(self)
            return
        options = _cookie_options(self)
        self.set_signed_cookie(SESSION_COOKIE, user, expires_days=None, **options)
        self.clear_cookie("is_guest", path=options["path"])
        self.set_signed_cookie("user", session.email, expires_days=None, **options)
        claims = {"user": session.email, "username": session.email, "role": session.role, "uid": session.id}
        id_token: str | bytes = base64url_encode(json.dumps(claims))  # type: ignore[no-untyped-call]
        if pn.state.encryption:
            id_token = pn.state.encryption.encrypt(str(id_token).encode("utf-8"))
        self.set_signed_cookie("id_token", id_token, expires_days=None, **options)


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

    def post(self) -> None:
        self.check_xsrf_cookie()
        accounts.logout(container(), _session_token(self))
        _clear_cookies(self)
        self.set_header("Cache-Control", "no-store")
        self.redirect(login_url)
