"""The educator re-runs a fallback profile from the Profile review tab in Chromium: the dashboards served as
`ai4d up` serves them (pointed at the test Prefect API and an LLM), a runner serving `analyze-profiles`, the
run's progress on the page, and the learner's new profile written by the LLM."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, expect

from ai4d_core.bootstrap import Container
from ai4d_core.policy import Viewer
from ai4d_core.services import profile_review
from ai4d_core.services.demo import DEMO_ACCOUNTS, learner_email, seed_demo
from ai4d_core.settings import Settings
from tests.browser.axe import axe_violations, blocking
from tests.browser.conftest import LogIn, PageWatch, served_dashboards
from tests.flow_runner import prefect_environment, served_analyze_profiles
from tests.llm_server import FakeLlm

pytestmark = pytest.mark.browser
HOSTILE_REPLY = '{"narrative": "<img src=x onerror=\\"window.__xss=1\\"> [link](javascript:alert(1))"}'
HOSTILE_NOTE = '<img src=x onerror="window.__xss=1"> please **check** my path'
EDUCATOR = next((email, password) for email, password, role in DEMO_ACCOUNTS if role == "educator")


def test_the_educator_reruns_a_fallback_profile_and_watches_it_finish(
    prefect_api: None,
    service_env: Settings,
    clean: Container,
    chromium: Browser,
    page_watch: PageWatch,
    log_in: LogIn,
    tmp_path: Path,
) -> None:
    from flows.analyze_profiles import analyze_profiles
    from flows.ingest_submissions import ingest_submissions

    seed_demo(clean, learners=3, seed=5)
    ingest_submissions()
    analyze_profiles()  # no LLM in the test settings: rules profiles, "llm: not configured"
    learner = clean.users.by_email(learner_email(2))  # learner 001 has no answers yet
    assert learner is not None
    before = clean.profiles.latest(learner.id)
    assert before is not None and before["provenance"]["fallback_reason"] == "llm: not configured"

    llm_env = {"AI4D_LLM_BASE_URL": "", "AI4D_LLM_MODEL": "fake-profile-model"}
    with FakeLlm() as llm:
        llm_env["AI4D_LLM_BASE_URL"] = llm.url
        with (
            served_analyze_profiles(service_env, tmp_path / "runner.log", **llm_env),
            served_dashboards(service_env, tmp_path / "panel.log", **prefect_environment(), **llm_env) as url,
        ):
            page_watch.allowed_hosts.add(urlparse(url).netloc)  # this test's own server, not a foreign host
            # axe is injected as an inline script: this context only bypasses the CSP
            context = chromium.new_context(viewport={"width": 1200, "height": 1000}, bypass_csp=True)
            page = context.new_page()
            log_in(page, url, "/educator", *EDUCATOR)
            expect(page).to_have_url(re.compile(r"/educator"))
            page.locator(".bk-tab", has_text="Profile review").click()
            queue = page.locator(".ai4d-review-queue")
            expect(queue.locator("tr", has_text=learner.display_name)).to_contain_text("no LLM was configured")
            page.get_by_label("Learner to review").select_option(label=f"{learner.display_name} (learner {learner.id})")
            expect(page.get_by_text("Written by the rules because no LLM was configured.")).to_be_visible()
            expect(page.get_by_text("By the rules (version 1)")).to_be_visible()
            page.screenshot(path="/tmp/ai4d-educator-review-detail.png", full_page=True)
            found = blocking(axe_violations(page))  # the queue and both texts: no serious or critical issue
            assert found == [], "\n".join(found)
            page.get_by_role("button", name="Re-run with the LLM").click()
            expect(page.get_by_text(re.compile(r"Re-run (started|scheduled|pending|running)"))).to_be_visible()
            done = page.get_by_text(re.compile(r"Re-run completed, 100%"))
            expect(done).to_be_visible()  # the run's end, read from Prefect by the page
            expect(queue.locator("tr", has_text=learner.display_name)).to_have_count(0)
            page.screenshot(path="/tmp/ai4d-educator-profile-review.png", full_page=True)

            # The learner (now with an LLM profile) asks for a review; the educator reads the note and resolves.
            profile_review.request_review(clean, Viewer(learner.id, "learner"), HOSTILE_NOTE)
            page.get_by_role("button", name="Refresh").click()
            asked = queue.locator("tr", has_text=learner.display_name)
            expect(asked).to_contain_text("asked for a review")
            expect(asked).to_contain_text(HOSTILE_NOTE)  # the note as text (the CSP is off here: it would run)
            page.get_by_label("Learner to review").select_option(label=f"{learner.display_name} (learner {learner.id})")
            expect(page.get_by_text("By the LLM (version 2 by fake-profile-model)")).to_be_visible()
            page.get_by_label("Outcome").select_option("kept")
            page.get_by_role("button", name="Resolve").click()
            expect(page.get_by_text("Request resolved: profile kept.")).to_be_visible()

            # A reply the validator refused is kept for review and shown beside the rules' text, as text.
            other = clean.users.by_email(learner_email(3))
            latest = clean.profiles.latest(other.id) if other else None
            assert other is not None and latest is not None
            latest = {k: v for k, v in latest.items() if k != "_id"}
            latest["provenance"]["fallback_reason"] = "llm: refused: narrative: carries markup or a link"
            clean.profiles.put(latest | {"version": latest["version"] + 1, "refused_llm_text": HOSTILE_REPLY})
            page.get_by_role("button", name="Refresh").click()
            page.get_by_label("Learner to review").select_option(label=f"{other.display_name} (learner {other.id})")
            expect(page.get_by_text("By the LLM (the LLM's refused reply)")).to_be_visible()
            expect(page.locator(".ai4d-review-text", has_text=HOSTILE_REPLY)).to_be_visible()
            assert page.evaluate("window.__xss") is None
            context.close()

    after = clean.profiles.latest(learner.id)
    assert after is not None and after["version"] == before["version"] + 1
    assert after["provenance"]["source"] == "llm" and after["provenance"]["model"] == "fake-profile-model"
    assert llm.profiles == 1
    assert profile_review.my_request(clean, Viewer(learner.id, "learner")) is None
