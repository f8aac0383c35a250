"""Accounts end to end on the served dashboards: the journey in Chromium, and enumeration over HTTP.

Mail takes the real path: the outbox is sent by the mail service to an aiosmtpd sink on a loopback port,
and the links are read from the delivered messages.
"""

from __future__ import annotations

import email
import email.policy
import mailbox
import re
import statistics
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from ai4d_cli.embedded import free_port
from ai4d_core.adapters.sql.tables import MailMessage
from ai4d_core.bootstrap import Container
from ai4d_core.services import accounts, cohorts, mail

pytestmark = pytest.mark.browser
PASSWORD = "violet kettle drums at dawn"
NEW_PASSWORD = "seven quiet herons over the lake"
THIRD_PASSWORD = "amber lanterns drift past midnight"
SAMPLES = 30


@pytest.fixture
def inbox(clean: Container, tmp_path: Path) -> Iterator[Callable[[str, str], str]]:
    """`inbox(template_word, to)`: send the outbox to a real SMTP sink and return the last link to `to`."""
    port = free_port()
    controller = Controller(Mailbox(tmp_path / "mail"), hostname="127.0.0.1", port=port)
    controller.start()
    settings = clean.settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{port}"})
    with Container(settings) as c:

        def read(path: str, to: str) -> str:
            while not _queued(c, path, to):  # forgot/resend answer first and queue the mail just after
                time.sleep(0.05)
            mail.send_due(c)
            box = mailbox.Maildir(tmp_path / "mail", create=True)
            links = []
            for key in box.iterkeys():
                msg = email.message_from_bytes(box.get_bytes(key), _class=EmailMessage, policy=email.policy.default)
                body = msg.get_body(("plain",))
                if to in str(msg["To"]) and body is not None:
                    links += re.findall(rf"/{path}\?token=([\w-]+)", str(body.get_content()))
            assert links, f"no {path} link mailed to {to}"
            return str(links[-1])

        yield read
    controller.stop()


def _queued(c: Container, template: str, to: str) -> bool:
    with c.engine.connect() as conn:
        rows = conn.execute(
            select(MailMessage.id).where(MailMessage.template == template, MailMessage.to_address == to)
        ).all()
    return bool(rows)


def _log_in(page: Page, base: str, address: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(address)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def _signed_in(context: BrowserContext, base: str) -> bool:
    page = context.new_page()
    page.goto(f"{base}/learner")
    signed_in = "/login" not in page.url
    page.close()
    return signed_in


def test_register_verify_log_in_log_out_reset_and_change(
    clean: Container, dashboards_url: str, chromium: Browser, inbox: Callable[[str, str], str]
) -> None:
    base, address = dashboards_url, "grace@example.org"
    first = chromium.new_context()
    page = first.new_page()
    page.goto(f"{base}/login")
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Display name").fill("Grace Hopper")
    page.get_by_label("E-mail").fill(address)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Field of interest").fill("data engineering")
    page.get_by_label("What you do now").fill("student")
    page.get_by_label("Hours per week").fill("5")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    _log_in(page, base, address, PASSWORD)  # not confirmed yet
    expect(page.get_by_role("alert")).to_contain_text("confirm your e-mail")
    page.goto(f"{base}/verify?token={inbox('verify', address)}")
    page.get_by_role("button", name="Confirm my address").click()
    expect(page.get_by_role("heading", name="Address confirmed")).to_be_visible()

    # An educator's join code: the learner joins the cohort from their page.
    educator_id = accounts.create_user(clean, "teacher@example.org", "Ada Teacher", "educator", THIRD_PASSWORD)
    educator = accounts.SessionUser(educator_id, "teacher@example.org", "Ada Teacher", "educator")
    cohort_id = cohorts.create_cohort(clean, educator, "Evening data class")
    invite = cohorts.create_invite(clean, educator, cohort_id, days=7)
    _log_in(page, base, address, PASSWORD)
    expect(page).to_have_url(re.compile(r"/learner"))
    page.get_by_text("Cohorts", exact=True).click()
    page.get_by_placeholder("ABCD-EFGH-JKMN-PQRS").fill(invite.code.lower())
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_text("You are in the cohort")).to_be_visible()
    joined = [m.display_name for m in cohorts.members(clean, educator, cohort_id) if m.email == address]
    assert joined == ["Grace Hopper"]
    old_cookies = first.cookies()
    page.goto(f"{base}/logout")
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login"))
    replay = chromium.new_context()
    replay.add_cookies([c for c in old_cookies if c["name"] == "ai4d_session"])  # type: ignore[misc]
    assert not _signed_in(replay, base), "the logged-out cookie still opens a page"

    # Reset by mail ends every session.
    _log_in(page, base, address, PASSWORD)
    second = chromium.new_context()
    _log_in(second.new_page(), base, address, PASSWORD)
    assert _signed_in(first, base) and _signed_in(second, base)
    other = chromium.new_context().new_page()
    other.goto(f"{base}/forgot")
    other.get_by_label("E-mail").fill(address)
    other.get_by_role("button", name="E-mail me a reset link").click()
    expect(other.get_by_role("heading", name="Check your inbox")).to_be_visible()
    other.goto(f"{base}/reset?token={inbox('reset', address)}")
    other.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    other.get_by_label("New password again").fill(NEW_PASSWORD)
    other.get_by_role("button", name="Set the password").click()
    expect(other.get_by_role("heading", name="Password changed")).to_be_visible()
    assert not _signed_in(first, base) and not _signed_in(second, base)
    assert any(c["name"] == "ai4d_device" and c["httpOnly"] for c in other.context.cookies())

    # A password change ends the other sessions, not this one.
    _log_in(page, base, address, NEW_PASSWORD)
    _log_in(second.new_page(), base, address, NEW_PASSWORD)
    page.goto(f"{base}/account/password")
    page.get_by_label("Current password").fill(NEW_PASSWORD)
    page.get_by_label("New password", exact=True).fill(THIRD_PASSWORD)
    page.get_by_label("New password again").fill(THIRD_PASSWORD)
    page.get_by_role("button", name="Change the password").click()
    expect(page.get_by_role("heading", name="Password changed")).to_be_visible()
    assert _signed_in(first, base) and not _signed_in(second, base)


XSRF = re.compile(r'name="_xsrf" value="[^"]*"')


def _form_client(base: str, path: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, follow_redirects=False)
    client.get(path).raise_for_status()
    return client, str(client.cookies["_xsrf"])


def _post(client: httpx.Client, xsrf: str, path: str, data: dict[str, str]) -> tuple[int, str, float]:
    start = time.perf_counter()
    response = client.post(path, data={**data, "_xsrf": xsrf})
    elapsed = time.perf_counter() - start
    return response.status_code, XSRF.sub("", response.text), elapsed


def _registration(address: str) -> dict[str, str]:
    return {
        "display_name": "Sam", "email": address, "password": PASSWORD, "field_of_interest": "ml",
        "current_role": "analyst", "hours_per_week": "3",
    }  # fmt: skip


def test_known_and_unknown_emails_get_the_same_answers(clean: Container, dashboards_url: str) -> None:
    known = [f"known{i}@example.org" for i in range(SAMPLES)]
    for address in known:
        accounts.create_user(clean, address, "Known", "learner", PASSWORD)
    cases: dict[str, tuple[str, Callable[[str], dict[str, str]]]] = {
        "login": ("/login", lambda a: {"email": a, "password": "wrong but long passphrase"}),
        "register": ("/register", _registration),
        "forgot": ("/forgot", lambda a: {"email": a}),
    }
    medians: dict[str, tuple[float, float]] = {}
    for name, (path, data) in cases.items():
        client, xsrf = _form_client(dashboards_url, path)
        _post(client, xsrf, path, data("warmup@example.org"))
        times: dict[bool, list[float]] = {True: [], False: []}
        answers: dict[bool, set[tuple[int, str]]] = {True: set(), False: set()}
        for i in range(SAMPLES):  # interleaved, alternating which goes first (no order effect)
            pair = [(True, known[i]), (False, f"{name}-nobody{i}@example.org")]
            for is_known, address in pair if i % 2 == 0 else pair[::-1]:
                status, body, elapsed = _post(client, xsrf, path, data(address))
                answers[is_known].add((status, body.replace(address, "ADDRESS")))
                times[is_known].append(elapsed)
        assert answers[True] == answers[False] and len(answers[True]) == 1, name
        medians[name] = (statistics.median(times[True]), statistics.median(times[False]))
    for name, (k, u) in medians.items():
        print(f"{name}: median known {k * 1000:.1f} ms, unknown {u * 1000:.1f} ms, ratio {k / u:.3f} ({SAMPLES} each)")
    # Timing is measured, not asserted here: `python -m bench enumeration` compares the medians.


ACCOUNT_PAGES = ("/register", "/verify?token=x", "/resend-verification", "/forgot", "/reset?token=x", "/login")


def test_account_pages_send_strict_headers_and_refuse_tokenless_posts(clean: Container, dashboards_url: str) -> None:
    with httpx.Client(base_url=dashboards_url, follow_redirects=False) as client:
        for path in ACCOUNT_PAGES:
            response = client.get(path)
            assert response.status_code == 200, path
            csp = response.headers["Content-Security-Policy"]
            assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, path
            assert response.headers["Cache-Control"] == "no-store", path
            assert "<script" not in response.text and 'name="_xsrf"' in response.text, path
            refused = httpx.post(f"{dashboards_url}{path.split('?')[0]}", data={"email": "a@example.org"})
            assert refused.status_code == 403, path
        page = client.get("/register?x=<script>").text
        assert "<script>" not in page
        response = client.get("/account/password")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
