"""AI4D's own error pages (403, 404, session ended): minimal HTML, no script, nothing from other hosts.

Panel's default error template pulls Google Fonts and the npm CDN; these pages replace it everywhere the
dashboards server answers with an error: refused app paths (`access.refuse`), unknown paths
(`NotFoundHandler`, the tornado application's default handler) and `pn.config.auth_template`.
"""

from __future__ import annotations

import html
from pathlib import Path
from string import Template
from typing import NoReturn

from tornado.web import Finish, RequestHandler

STYLE = """<style>
body{font-family:system-ui,sans-serif;background:#f4f6f8;display:flex;justify-content:center;margin:0}
main{background:#fff;margin-top:12vh;padding:2rem 2.5rem;border-radius:8px;box-shadow:0 2px 12px #0002;width:24rem}
h1{font-size:1.3rem;margin:0 0 1rem}nav a{margin-right:1.2rem}
</style>"""

PAGE = Template("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>AI4D: $title</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
$style</head><body><main class="ai4d-error">
<h1>$title</h1><p>$message</p>
<nav><a href="/">Home</a><a href="/login">Log in</a></nav>
</main></body></html>""")

FORBIDDEN = ("Not allowed", "Your account cannot open this page.")
NOT_FOUND = ("Page not found", "There is no page at this address.")
ENDED = ("Session ended", "Your session has ended; please log in again.")
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


def page(title: str, message: str) -> str:
    """An error page with a way back to the home page and the login page."""
    return PAGE.substitute(style=STYLE, title=html.escape(title), message=html.escape(message))


def auth_template() -> str:
    """The file for `pn.config.auth_template` (Panel's own 403 page): `page(*FORBIDDEN)`, kept in the repo
    (a test checks that it matches)."""
    return str(TEMPLATE_DIR / "forbidden.html")


def refuse(handler: RequestHandler) -> NoReturn:
    """Answer 403 with AI4D's page and stop the request (pages, autoload.js and WebSocket upgrades alike)."""
    handler.set_status(403)
    handler.set_header("Content-Type", "text/html; charset=utf-8")
    handler.set_header("Cache-Control", "no-store")
    raise Finish(page(*FORBIDDEN))


class NotFoundHandler(RequestHandler):
    """Every path no route matches: AI4D's 404 page (the security headers come from the transform)."""

    def prepare(self) -> None:
        self.set_status(404)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(page(*NOT_FOUND))

    def check_xsrf_cookie(self) -> None:
        """A 404 for every method: nothing to protect, nothing changes."""


__all__ = ["ENDED", "FORBIDDEN", "NOT_FOUND", "NotFoundHandler", "auth_template", "page", "refuse"]
