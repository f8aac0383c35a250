"""The account pages served beside the apps: sign-up, e-mail confirmation, resend, forgot, reset, change.

Only presentation: every decision is in `ai4d_core.services.accounts`. Every page is plain HTML with no
script and nothing from other hosts, never cached or framed, and every form carries Tornado's XSRF token.
Password work and database round trips run on `auth_executor()`, never on the event loop: at most one
thread per core (2 on 2 cores, 4 at most), at niceness 10, so a storm of logins queues in the pool and its
Argon2 work yields the CPU to the event loop and the page callbacks.
"Forgot" and "resend" answer first and do their work afterwards, so the response takes the same time
whether or not the e-mail has an account; sign-up validates and hashes before answering (the same work for
any address, and it keeps back-pressure on the pool) and stores or mails only after the answer is sent.
"""

from __future__ import annotations

import contextlib
import html
import logging
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache, partial
from typing import Any, TypeVar

import pydantic
from tornado.ioloop import IOLoop
from tornado.web import RequestHandler

from ai4d_core.security.device import DEVICE_COOKIE, MAX_AGE_DAYS
from ai4d_core.security.passwords import MAX_LENGTH, MIN_LENGTH, PasswordPolicyError
from ai4d_core.security.throttle import Network, parse_networks, source_key
from ai4d_core.services import accounts
from ai4d_core.services.accounts import LoginError, Registration, SessionUser, TokenError
from dashboards.common import container
from dashboards.page_session import cookie_name

T = TypeVar("T")
log = logging.getLogger(__name__)
AUTH_WORKERS = min(4, os.cpu_count() or 1)  # bounded: one Argon2 hash per core at a time
AUTH_NICENESS = 10  # below the event loop and the page callbacks (niceness 0)
CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
PAGE_STYLE = """<style>
body{font-family:system-ui,sans-serif;background:#f4f6f8;display:flex;justify-content:center;margin:0}
form,main>section{background:#fff;margin:8vh 0;padding:2rem 2.5rem;border-radius:8px;box-shadow:0 2px 12px #0002;
width:22rem}h1{font-size:1.4rem;margin:0 0 1rem}label{display:block;margin:.8rem 0 .2rem}
input,textarea{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem}
button{margin-top:1.2rem;width:100%;padding:.6rem;font-size:1rem;background:#0072b5;color:#fff;border:0;
border-radius:4px;cursor:pointer}.error{color:#b00020;margin:.3rem 0}.hint{color:#555;font-size:.85rem}
a{display:block;margin-top:1rem}
</style>"""
SENT = (
    "If that address belongs to an account that needs it, we have sent it an e-mail. "
    "It can take a few minutes to arrive; check your spam folder too."
)
REGISTERED = (
    "Thank you. We have sent a confirmation link to the address you gave, unless it cannot be used for a new "
    "account. Follow the link within 24 hours, then log in."
)

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None


def auth_executor() -> ThreadPoolExecutor:
    """The bounded pool for password hashing and account round trips (made on first use)."""
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(
                max_workers=AUTH_WORKERS, thread_name_prefix="ai4d-auth", initializer=_lower_priority
            )
        return _executor


def _lower_priority() -> None:
    """Run this pool thread at `AUTH_NICENESS` (Linux: niceness is per thread, and threads it starts inherit it)."""
    if sys.platform != "linux":  # elsewhere a thread id is not a valid `setpriority` target
        return
    tid = threading.get_native_id()
    with contextlib.suppress(OSError):  # never break the pool (and logins) over a priority
        os.setpriority(os.PRIO_PROCESS, tid, max(AUTH_NICENESS, os.getpriority(os.PRIO_PROCESS, tid)))


async def off_loop(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run `fn` on the auth pool and wait for it without blocking the event loop."""
    return await IOLoop.current().run_in_executor(auth_executor(), partial(fn, *args, **kwargs))


def page_headers(handler: RequestHandler) -> None:
    """Account and login pages: never cached, never framed, no script, forms post only here."""
    handler.set_header("Cache-Control", "no-store")
    handler.set_header("X-Frame-Options", "DENY")
    handler.set_header("X-Content-Type-Options", "nosniff")
    handler.set_header("Referrer-Policy", "no-referrer")  # tokens in /verify and /reset URLs never leak
    handler.set_header("Content-Security-Policy", CSP)


def page(title: str, body: str) -> str:
    """A whole page; `body` is HTML built here from escaped values."""
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>AI4D: {html.escape(title)}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">{PAGE_STYLE}</head>'
        f"<body><main>{body}</main></body></html>"
    )


def field(label: str, name: str, kind: str = "text", value: str = "", error: str = "", **attrs: str) -> str:
    """A labelled input with its error (values escaped; passwords are never echoed)."""
    shown = "" if kind == "password" else value
    extra = "".join(f' {k.replace("_", "-")}="{html.escape(v)}"' for k, v in attrs.items())
    message = f'<p class="error" id="{name}-error">{html.escape(error)}</p>' if error else ""
    described = f' aria-describedby="{name}-error"' if error else ""
    return (
        f'<label for="{name}">{html.escape(label)}</label>'
        f'<input id="{name}" name="{name}" type="{kind}" value="{html.escape(shown)}"{extra}{described}>{message}'
    )


@cache
def _trusted(proxies: tuple[str, ...]) -> list[Network]:
    return parse_networks(proxies)


def client_source(handler: RequestHandler) -> str:
    """The throttling source: the TCP peer, or X-Forwarded-For's right-most untrusted hop behind trusted proxies."""
    context = getattr(handler.request.connection, "context", None)
    address = getattr(context, "address", None)
    peer = str(address[0]) if isinstance(address, tuple) and address else handler.request.remote_ip
    trusted = _trusted(tuple(container().settings.trusted_proxies))
    return source_key(peer, handler.request.headers.get("X-Forwarded-For"), trusted)


def set_device_cookie(handler: RequestHandler, user_id: int) -> None:
    secure = container().settings.public_url.startswith("https") or handler.request.protocol == "https"
    handler.set_cookie(
        cookie_name(DEVICE_COOKIE, container().settings), accounts.device_cookie(container(), user_id),
        expires_days=MAX_AGE_DAYS, path="/",
        httponly=True, samesite="Lax", secure=secure,
    )  # fmt: skip


class AccountPage(RequestHandler):
    """A page with forms: XSRF checked on every POST, security headers on every answer."""

    title = "Account"

    def prepare(self) -> None:
        page_headers(self)
        if self.request.method == "POST":
            self.check_xsrf_cookie()

    def show(self, heading: str, inner: str, status: int = 200) -> None:
        self.set_status(status)
        self.finish(page(self.title, f"<section><h1>{html.escape(heading)}</h1>{inner}</section>"))

    def form(self, heading: str, fields: str, button: str, error: str = "", status: int = 200, extra: str = "") -> None:
        alert = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
        self.set_status(status)
        self.finish(page(self.title, (
            f'<form method="post" action="{html.escape(self.request.path)}"><h1>{html.escape(heading)}</h1>{alert}'
            f'{fields}{self.xsrf_form_html()}<button type="submit">{html.escape(button)}</button>{extra}</form>'
        )))  # fmt: skip

    def arg(self, name: str, limit: int = 1000) -> str:
        return self.get_body_argument(name, "", strip=False)[:limit]


PASSWORD_HINT = f'<p class="hint">{MIN_LENGTH} to {MAX_LENGTH} characters; a passphrase of a few words works well.</p>'


def _password_fields(prefix: str = "new", errors: str = "") -> str:
    attrs = {"autocomplete": "new-password", "required": "", "minlength": str(MIN_LENGTH), "maxlength": str(MAX_LENGTH)}
    return (
        field("New password", f"{prefix}_password", "password", error=errors, **attrs) + PASSWORD_HINT
        + field("New password again", f"{prefix}_confirm", "password", **attrs)
    )  # fmt: skip


def _prepare_registration(values: dict[str, str]) -> dict[str, str] | accounts.PreparedRegistration:
    """Validate and hash (on the auth pool): the field errors, or the sign-up ready to store."""
    try:
        form = Registration(**values)  # type: ignore[arg-type]
    except pydantic.ValidationError as exc:
        return accounts.form_errors(exc)
    return accounts.prepare_registration(form)


REGISTER_FIELDS = (
    ("display_name", "Display name", "text", {"autocomplete": "nickname", "maxlength": "120"}),
    ("email", "E-mail", "email", {"autocomplete": "email", "maxlength": "254"}),
    ("password", "Password", "password", {"autocomplete": "new-password", "maxlength": str(MAX_LENGTH)}),
    ("field_of_interest", "Field of interest (e.g. data engineering)", "text", {"maxlength": "120"}),
    ("current_role", "What you do now (e.g. student, analyst)", "text", {"maxlength": "120"}),
    ("goal", "Your goal (optional)", "text", {"maxlength": "500"}),
    ("hours_per_week", "Hours per week you can give", "number", {"min": "0", "max": "80", "step": "0.5"}),
)


class RegisterHandler(AccountPage):
    title = "sign up"

    def _render(self, values: dict[str, str], errors: dict[str, str], status: int = 200) -> None:
        inner = "".join(
            field(label, name, kind, values.get(name, ""), errors.get(name, ""), **attrs)
            + (PASSWORD_HINT if name == "password" else "")
            for name, label, kind, attrs in REGISTER_FIELDS
        )
        note = '<p class="hint">What you tell us about yourself shapes your learning profile; nobody else sees it.</p>'
        self.form("Create your AI4D account", note + inner, "Sign up", status=status,
                  extra='<a href="/login">I have an account</a>')  # fmt: skip

    def get(self) -> None:
        self._render({}, {})

    async def post(self) -> None:
        values = {name: self.arg(name) for name, *_ in REGISTER_FIELDS}
        if not values["goal"].strip():
            values.pop("goal")
        prepared = await off_loop(_prepare_registration, values)
        if isinstance(prepared, dict):
            self._render(values, prepared, status=400)
            return
        self.show("Check your inbox", f'<p>{html.escape(REGISTERED)}</p><a href="/login">Log in</a>')
        try:  # after the answer: whether the address was taken cannot show in the response time
            await off_loop(accounts.complete_registration, container(), prepared, client_source(self))
        except Exception:
            log.exception("sign-up failed after the answer was sent")


class VerifyHandler(AccountPage):
    """GET shows a button (mail scanners that follow links do not use the token); POST confirms."""

    title = "confirm your e-mail"

    def get(self) -> None:
        token = self.get_query_argument("token", "")[:200]
        hidden = f'<input type="hidden" name="token" value="{html.escape(token)}">'
        self.form("Confirm your e-mail address", hidden, "Confirm my address")

    async def post(self) -> None:
        if await off_loop(accounts.verify_email, container(), self.arg("token", 200)):
            self.show("Address confirmed", '<p>Thank you; you can log in now.</p><a href="/login">Log in</a>')
            return
        self.show("Link not valid", f"<p>{html.escape(accounts.TOKEN_INVALID)}</p>"
                  '<a href="/resend-verification">Send me a new link</a>', status=400)  # fmt: skip


class _AnswerFirst(AccountPage):
    """Ask for an e-mail, answer at once with the same text, then do the work (timing tells nothing)."""

    heading = ""
    button = ""

    def work(self, email: str, source: str) -> None:
        raise NotImplementedError

    def get(self) -> None:
        self.form(self.heading, field("E-mail", "email", "email", autocomplete="email", required=""), self.button)

    async def post(self) -> None:
        email, source = self.arg("email", 320), client_source(self)
        self.show("Check your inbox", f'<p>{html.escape(SENT)}</p><a href="/login">Back to log in</a>')
        try:
            await off_loop(self.work, email, source)
        except Exception:  # the answer is sent; a failure here is logged, never shown
            log.exception("account mail request failed")


class ResendVerificationHandler(_AnswerFirst):
    title, heading, button = "confirm your e-mail", "Send a new confirmation link", "Send the link"

    def work(self, email: str, source: str) -> None:
        accounts.request_verification(container(), email, source)


class ForgotHandler(_AnswerFirst):
    title, heading, button = "forgot password", "Reset your password", "E-mail me a reset link"

    def work(self, email: str, source: str) -> None:
        accounts.request_password_reset(container(), email, source)


class ResetHandler(AccountPage):
    title = "choose a new password"

    def _render(self, token: str, error: str = "", status: int = 200) -> None:
        hidden = f'<input type="hidden" name="token" value="{html.escape(token)}">'
        self.form("Choose a new password", hidden + _password_fields(), "Set the password", error, status)

    def get(self) -> None:
        self._render(self.get_query_argument("token", "")[:200])

    async def post(self) -> None:
        token, new = self.arg("token", 200), self.arg("new_password")
        if new != self.arg("new_confirm"):
            self._render(token, "The two passwords differ.", 400)
            return
        try:
            user_id = await off_loop(accounts.reset_password, container(), token, new, client_source(self))
        except PasswordPolicyError as exc:
            self._render(token, str(exc), 400)
            return
        except TokenError as exc:
            self.show("Link not valid", f'<p>{html.escape(str(exc))}</p><a href="/forgot">Ask for a new link</a>', 400)
            return
        set_device_cookie(self, user_id)
        self.show("Password changed", "<p>Your password is changed and every session has ended.</p>"
                  '<a href="/login">Log in</a>')  # fmt: skip


def signed_in(handler: RequestHandler) -> tuple[str | None, SessionUser | None]:
    from dashboards.auth import _session_token  # the page-hardening side resolves the session cookie

    token = _session_token(handler)
    return token, accounts.session_user(container(), token)


class ChangePasswordHandler(AccountPage):
    title = "change password"

    def _render(self, error: str = "", status: int = 200) -> None:
        current = field("Current password", "current", "password", autocomplete="current-password", required="")
        self.form("Change your password", current + _password_fields(), "Change the password", error, status,
                  extra='<a href="/">Back</a>')  # fmt: skip

    async def get(self) -> None:
        _, user = await off_loop(signed_in, self)
        if user is None:
            self.redirect("/login?next=/account/password")
            return
        self._render()

    async def post(self) -> None:
        token, user = await off_loop(signed_in, self)
        if user is None:
            self.redirect("/login?next=/account/password")
            return
        new = self.arg("new_password")
        if new != self.arg("new_confirm"):
            self._render("The two new passwords differ.", 400)
            return
        try:
            await off_loop(accounts.change_password, container(), user.id, self.arg("current"), new, token,
                           client_source(self))  # fmt: skip
        except (LoginError, PasswordPolicyError) as exc:
            self._render(str(exc), 429 if isinstance(exc, accounts.ThrottledError) else 400)
            return
        self.show("Password changed", "<p>Your password is changed; your other sessions have ended.</p>"
                  '<a href="/">Back to AI4D</a>')  # fmt: skip
