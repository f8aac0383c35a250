"""`/account/export`: the signed-in user's data as a JSON file, over plain HTTP.

The learner page's "Download my data" button is a form posting here, so the browser downloads the answer
itself (a `Content-Disposition: attachment` response); nothing travels over the page's WebSocket. (Panel
1.9's `FileDownload` sends the file and the "start the download" signal as two messages that can arrive in
the wrong order under load, and the click then downloads nothing.)

The form carries `form_token` for the purpose `export`, bound to the session: the dashboard page knows the
session's hash and can make it, another site cannot. (Tornado's own `_xsrf` cookie cannot serve here: the
dashboards keep every cookie out of the Bokeh session.) A GET, or a POST whose token does not match (a page
from before a new login), shows a page with a fresh form, so the user is one click from the file either way;
anonymous visitors are sent to the login page and come back here.
"""

from __future__ import annotations

import html

from ai4d_core.bootstrap import Container
from ai4d_core.security.tokens import form_token, form_token_valid, token_hash
from ai4d_core.services import privacy
from ai4d_core.services.accounts import SessionUser
from dashboards.account_pages import AccountPage, client_source, off_loop, page, page_headers, signed_in
from dashboards.common import container

PATH = "/account/export"
PURPOSE = "export"
FILENAME = "ai4d-my-data.json"
FIELD = "export_token"
WHAT = (
    "One JSON file with everything AI4D holds about you, one entry per place it is kept: your account, your "
    "answers and their scores, your learning profile and the rest. Your password is never in it."
)


def export_token(c: Container, session_hash: bytes) -> str:
    """The token a page of session `session_hash` puts in its download form."""
    return form_token(c.settings.cookie_secret.get_secret_value(), PURPOSE, session_hash)


def export_form(c: Container, session_hash: bytes, before: str = "", after: str = "") -> str:
    """The download form (a button) for a page of session `session_hash`, with HTML `before` and `after` it."""
    return (
        f'<form method="post" action="{PATH}" class="ai4d-export">{before}'
        f'<input type="hidden" name="{FIELD}" value="{export_token(c, session_hash)}">'
        f'<button type="submit">Download my data</button>{after}</form>'
    )


class ExportHandler(AccountPage):
    """GET: a page with the download button. POST with the session's token: the file."""

    title = "download your data"

    def prepare(self) -> None:  # the session-bound token replaces Tornado's `_xsrf` check (see the module doc)
        page_headers(self)

    async def _user(self) -> tuple[bytes, SessionUser] | None:
        token, user = await off_loop(signed_in, self)
        if token is None or user is None:
            self.redirect(f"/login?next={PATH}")
            return None
        return token_hash(token), user

    def _offer(self, session_hash: bytes, status: int = 200, note: str = "") -> None:
        alert = f'<p class="error" role="alert">{html.escape(note)}</p>' if note else ""
        before = f"<h1>Download your data</h1>{alert}<p>{html.escape(WHAT)}</p>"
        self.set_status(status)
        self.finish(page(self.title, export_form(container(), session_hash, before, '<a href="/">Back to AI4D</a>')))

    async def get(self) -> None:
        signed_in = await self._user()
        if signed_in is not None:
            self._offer(signed_in[0])

    async def post(self) -> None:
        signed_in = await self._user()
        if signed_in is None:
            return
        session_hash, user = signed_in
        secret = container().settings.cookie_secret.get_secret_value()
        if not form_token_valid(secret, PURPOSE, session_hash, self.get_body_argument(FIELD, "")[:100]):
            self._offer(session_hash, 403, "That download button was from an earlier session; use this one.")
            return
        document = await off_loop(privacy.export_json, container(), user.id, viewer=user, source=client_source(self))
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Content-Disposition", f'attachment; filename="{FILENAME}"')
        self.finish(document.encode("utf-8"))
