"""The dashboards server's hardening as pure functions: server settings, headers, error pages, rate limits."""

from __future__ import annotations

from pathlib import Path

import pytest
from tornado.httputil import HTTPHeaders, HTTPServerRequest, RequestStartLine

from ai4d_cli.services import bokeh_secret_key, panel_command, panel_env
from ai4d_core.services.rate_limit import RateLimiter, Slots
from ai4d_core.settings import Settings
from dashboards.error_pages import FORBIDDEN, NotFoundHandler, auth_template, page
from dashboards.security_headers import HEADERS, SecurityHeaders
from dashboards.serve import SESSION_HEADERS, server_kwargs

pytestmark = pytest.mark.dashboards


def test_the_server_keeps_cookies_and_the_cookie_header_out_of_the_bokeh_token() -> None:
    kwargs = server_kwargs({"sign_sessions": True, "secret_key": b"k" * 43, "exclude_headers": ["Cookie"]})
    assert kwargs["include_cookies"] == [] and kwargs["include_headers"] == list(SESSION_HEADERS)
    assert "Cookie" not in SESSION_HEADERS and "Authorization" not in SESSION_HEADERS
    assert "exclude_headers" not in kwargs
    assert kwargs["transforms"] == [SecurityHeaders] and kwargs["default_handler_class"] is NotFoundHandler


@pytest.mark.parametrize("kwargs", [{}, {"sign_sessions": True}, {"sign_sessions": False, "secret_key": b"k"}])
def test_the_server_refuses_to_start_with_unsigned_sessions(kwargs: dict[str, object]) -> None:
    with pytest.raises(SystemExit):
        server_kwargs(kwargs)


def test_secrets_go_by_environment_and_the_bokeh_key_is_derived_not_equal() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    secret = settings.cookie_secret.get_secret_value()
    env, argv = panel_env(settings), panel_command(settings)
    assert env["BOKEH_SECRET_KEY"] == bokeh_secret_key(secret) != secret and len(env["BOKEH_SECRET_KEY"]) >= 32
    assert env["BOKEH_SIGN_SESSIONS"] == "true" and env["BOKEH_RESOURCES"] == "server"
    assert not any(secret in a or env["BOKEH_SECRET_KEY"] in a for a in argv)
    assert argv[1:3] == ["-m", "dashboards.serve"] and "signed" in argv


def test_every_response_gets_the_headers_and_a_handlers_own_csp_gains_frame_ancestors() -> None:
    transform = SecurityHeaders(
        HTTPServerRequest(start_line=RequestStartLine("GET", "/", "HTTP/1.1"), headers=HTTPHeaders({"Host": "h"}))
    )
    _, headers, _ = transform.transform_first_chunk(200, HTTPHeaders(), b"", True)
    assert all(headers[name] == value for name, value in HEADERS.items())
    own = HTTPHeaders({"Content-Security-Policy": "default-src 'none'"})
    _, headers, _ = transform.transform_first_chunk(200, own, b"", True)
    assert headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_error_pages_are_ours_with_a_way_back_and_nothing_external() -> None:
    assert Path(auth_template()).read_text() == page(*FORBIDDEN)
    shown = page("<b>x</b>", "y")
    assert "&lt;b&gt;" in shown and 'href="/login"' in shown and 'href="/"' in shown
    assert "http" not in shown and "<script" not in shown


def test_the_token_bucket_allows_a_burst_then_refills_per_key() -> None:
    now = [0.0]
    limiter = RateLimiter(capacity=2, per_second=0.5, clock=lambda: now[0])
    assert limiter.allow(1) and limiter.allow(1) and not limiter.allow(1)
    assert limiter.allow(2)
    assert limiter.retry_after(1) == pytest.approx(2.0)
    now[0] = 2.0
    assert limiter.allow(1) and not limiter.allow(1)


def test_slots_refuse_instead_of_waiting() -> None:
    slots = Slots(1)
    with slots.hold() as first, slots.hold() as second:
        assert first and not second
    with slots.hold() as again:
        assert again
