"""``python -m dashboards.serve <panel serve arguments>``: `panel serve` with AI4D's server hardening.

It is Panel's own `serve` command (same arguments, same applications, same `--auth-module`) with these
server settings forced, whatever the arguments say:

- no request cookie and only harmless headers go into the Bokeh session token embedded in each page
  (Panel copies every cookie, and the Cookie header when no cookie is kept, unless told otherwise);
- Bokeh session ids and tokens are signed (`BOKEH_SECRET_KEY`, see `ai4d_cli.services.panel_env`);
  the server refuses to start unsigned;
- `SecurityHeaders` on every response, AI4D's 404 page for unknown paths, AI4D's 403 page for Panel's own
  authorization errors, and Bokeh resources served from this server (never a CDN).

`ai4d_cli.services.panel_command` is the one place that builds the argv (launcher and browser tests).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

SESSION_HEADERS = ("Host", "User-Agent", "Accept-Language")  # all a page's session context gets of the request


def server_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The Bokeh/tornado server settings with AI4D's hardening applied (pure: tested directly)."""
    from dashboards.error_pages import NotFoundHandler
    from dashboards.security_headers import SecurityHeaders

    if not kwargs.get("sign_sessions") or not kwargs.get("secret_key"):
        raise SystemExit(
            "dashboards.serve: signed Bokeh sessions are required (--session-ids signed, BOKEH_SECRET_KEY)"
        )
    hardened = {k: v for k, v in kwargs.items() if k not in ("exclude_cookies", "exclude_headers")}
    hardened.update(
        include_cookies=[],
        include_headers=list(SESSION_HEADERS),
        transforms=[SecurityHeaders],
        default_handler_class=NotFoundHandler,
    )
    return hardened


def main(argv: list[str] | None = None) -> int:
    """Run Panel's serve command with `server_kwargs` applied."""
    os.environ["BOKEH_RESOURCES"] = "server"  # BokehJS from this server, not cdn.bokeh.org
    import panel as pn
    from panel.command.serve import Serve

    from dashboards import admin, educator, learner, server_gc  # noqa: F401 (imported before the freeze)
    from dashboards.error_pages import auth_template

    server_gc.tune()

    class HardenedServe(Serve):
        def customize_kwargs(self, args: argparse.Namespace, kwargs: dict[str, Any]) -> dict[str, Any]:
            return server_kwargs(super().customize_kwargs(args, kwargs))  # type: ignore[no-untyped-call]

    pn.config.auth_template = auth_template()
    parser = argparse.ArgumentParser(prog="python -m dashboards.serve", description=__doc__)
    command = HardenedServe(parser=parser)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    command.invoke(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
