"""Security headers on every response of the dashboards server: pages, static files, autoload.js, errors.

`SecurityHeaders` is a tornado `OutputTransform` that `dashboards.serve` puts on the application, so it runs
for every handler (Bokeh's, Panel's, the auth module's and the 404 handler) without patching any of them.

The Content-Security-Policy is as strict as Panel 1.9 and Bokeh 3.9 allow (found by loading every page in
Chromium with the policy enforced and reading the console for violations):

- `default-src 'none'`: anything not listed below is refused.
- `script-src 'self' 'unsafe-inline' 'unsafe-eval'`: the bundles come from this server; each page embeds its
  document in an inline `<script>` whose text changes with every session (so no hash can name it, and
  Bokeh's templates take no nonce); BokehJS and Panel compile templates and stylesheets with `new Function`
  (`'unsafe-eval'`). Untrusted text never reaches HTML (see `dashboards.questions` and `common.markdown`), so
  these sources do not open a path for it.
- `style-src 'self' 'unsafe-inline'`: Bokeh sets inline styles and `<style>` elements in its shadow roots.
- `img-src 'self' data: blob:` and `font-src 'self' data:`: icons and fonts inlined as data URLs by the
  bundles; never another host.
- `connect-src 'self'`: the page's own WebSocket (`'self'` covers ws/wss to the same host) and fetches.
- `frame-ancestors 'none'`, `base-uri 'none'`, `form-action 'self'`, `object-src 'none'`: no framing,
  no `<base>` hijack, forms post only here (login and logout).
"""

from __future__ import annotations

from tornado.httputil import HTTPHeaders, HTTPServerRequest
from tornado.web import OutputTransform

CSP_SOURCES: dict[str, str] = {
    "default-src": "'none'",
    "script-src": "'self' 'unsafe-inline' 'unsafe-eval' blob:",
    "worker-src": "'self' blob:",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "manifest-src": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "object-src": "'none'",
}
CONTENT_SECURITY_POLICY = "; ".join(f"{name} {sources}" for name, sources in CSP_SOURCES.items())
HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


class SecurityHeaders(OutputTransform):
    """Adds `HEADERS` to every response; a handler's own stricter CSP (the account pages') is kept, with
    `frame-ancestors 'none'` added when it lacks one."""

    def __init__(self, request: HTTPServerRequest) -> None:
        super().__init__(request)

    def transform_first_chunk(
        self, status_code: int, headers: HTTPHeaders, chunk: bytes, finishing: bool
    ) -> tuple[int, HTTPHeaders, bytes]:
        for name, value in HEADERS.items():
            if name not in headers:
                headers[name] = value
        policy = headers["Content-Security-Policy"]
        if "frame-ancestors" not in policy:
            headers["Content-Security-Policy"] = f"{policy}; frame-ancestors 'none'"
        return status_code, headers, chunk


__all__ = ["CONTENT_SECURITY_POLICY", "CSP_SOURCES", "HEADERS", "SecurityHeaders"]
