"""XSS through LLM text: every adversarial reply of the corpus (`tests/data/adversarial_profile_replies.py`) goes
through the validator as the analysis does it; what the page would then show (the LLM's text when accepted, the
rules' profile with the refusal's reason otherwise) is rendered on the learner's Profile page in Chromium, and
so is a set of profiles with hostile text in every field as if the validator had let it through. 0 scripts may
run (`window.__xss`, dialogs) and nothing outside loopback may be requested (the browser fixtures' check).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from ai4d_core.bootstrap import Container
from ai4d_core.domain.profile import Profile
from ai4d_core.domain.profile_check import ProfileRefused, merge
from ai4d_core.services import accounts
from ai4d_core.services.analysis import fallback
from tests.browser.test_xss import PAYLOADS
from tests.data.adversarial_profile_replies import REPLIES, target

pytestmark = pytest.mark.browser
PASSWORD = "violet kettle drums at dawn"
EMAIL = "xss-profile@example.org"
PER_ROUND = 6  # hostile payloads per bypass profile


def _outcomes() -> tuple[list[Profile], dict[str, int]]:
    """What the page would show for the replies: every accepted reply (the LLM's text), and the rules' profile
    with each kind of refusal reason (reasons differ by field, position and quoted fragment: one of each kind)."""
    rules, data = target()
    shown: dict[str, Profile] = {}
    counts = {"replies": 0, "accepted": 0, "refused": 0}
    for _name, content in REPLIES:
        counts["replies"] += 1
        try:
            profile = merge(rules, content, model="corpus-model", prompt_version="profile-1", data=data)
            counts["accepted"] += 1
            key = profile.model_dump_json(exclude={"version"})
        except ProfileRefused as refused:
            profile = fallback(rules, str(refused))
            counts["refused"] += 1
            key = re.sub(r"'[^']*'|[\d,]+", "", re.sub(r"^[\w\[\].]+: ", "", str(refused)))
        shown.setdefault(key, profile)
    return list(shown.values()), counts


def _bypass(rules: Profile, payloads: list[str], n: int) -> dict[str, Any]:
    """`rules` with hostile text in every text field and identifier, as if a validator had let it all through."""
    doc = rules.model_dump(mode="json")

    def text(i: int) -> str:
        return f"{payloads[i % len(payloads)]} #{n}.{i}"

    i = 0
    for name in ("strengths", "weaknesses", "misconceptions"):
        for claim in doc[name]:
            claim.update(
                claim=text(i)[:300], evidence=[text(i + 1)[:64], *claim["evidence"]], misconception=text(i + 2)
            )
            i += 3
    for step in doc["learning_path"]:
        step.update(objective=text(i)[:200], resources=[text(i + 1), *step["resources"]])
        i += 2
    for week in doc["timeline"]:
        week.update(focus=text(i)[:200], topics=[text(i + 1), *week["topics"]])
        i += 2
    for step in doc["next_steps"]:
        step["text"] = text(i)[:200]
        i += 1
    doc["topics"][0]["topic"] = text(i)
    doc["narrative"] = "\n\n".join(payloads)[:1200]
    doc["provenance"].update(source="llm", model=text(i + 1), prompt_version=text(i + 2), fallback_reason=text(i + 3))
    return doc


FRESH_EVERY = 15  # versions shown in one document before a reload


def _click_until(button: Locator, shown: Locator, *, attached: bool = False) -> None:
    """Click `button` until `shown` is visible (or only attached): a click can be lost while the section is
    rebuilt, so it is clicked again, never waited on forever."""

    def see(timeout: float | None = None) -> None:  # None: Playwright's default
        (expect(shown).to_be_attached if attached else expect(shown).to_be_visible)(timeout=timeout)

    for _ in range(5):
        button.click()
        try:
            see(timeout=20_000)
            return
        except AssertionError:
            continue
    see()


def _show(c: Container, page: Page, learner_id: int, doc: dict[str, Any], version: int) -> None:
    c.profiles.put(json.loads(json.dumps({**doc, "learner_id": learner_id, "version": version}, default=str)))
    if version % FRESH_EVERY == 0:  # ~100 versions in one document grew its renderer past 2 GB until it stalled
        page.reload()
        page.get_by_role("button", name="Profile", exact=True).click()
    shown = page.get_by_text(re.compile(rf"^Profile version {version}[;.]"))
    _click_until(page.get_by_role("button", name="Refresh profile"), shown)


def _open_evidence(page: Page) -> None:
    """Open the first claim's evidence."""
    button = page.get_by_role("button", name=re.compile("^See question")).first
    _click_until(button, page.locator(".ai4d-evidence").first, attached=True)


def test_no_llm_reply_or_hostile_profile_text_runs_a_script_on_the_profile_page(
    clean: Container, dashboards_url: str, flagged_page: tuple[Page, list[str]], log_in: Callable[..., None]
) -> None:
    page, dialogs = flagged_page
    learner_id = accounts.create_user(clean, EMAIL, "Profile reader", "learner", PASSWORD)
    log_in(page, dashboards_url, "/learner", EMAIL, PASSWORD)
    page.get_by_role("button", name="Profile", exact=True).click()
    outcomes, counts = _outcomes()
    version = 0
    for profile in outcomes:
        version += 1
        _show(clean, page, learner_id, profile.model_dump(mode="json"), version)
        assert page.evaluate("window.__xss") == 0 and dialogs == [], f"a reply ran on version {version}"
    accepted = [p for p in outcomes if p.provenance.source == "llm"]
    assert accepted, "some replies are accepted and shown as the LLM's text"
    expect(page.get_by_text("checked against the rules").first).to_be_attached()

    rules = target()[0]
    rounds = [PAYLOADS[i : i + PER_ROUND] for i in range(0, len(PAYLOADS), PER_ROUND)]
    for n, payloads in enumerate(rounds):
        version += 1
        _show(clean, page, learner_id, _bypass(rules, payloads, n), version)
        _open_evidence(page)  # a hostile evidence id
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__xss") == 0 and dialogs == [], f"a hostile profile ran in round {n}"
    print(
        f"profile XSS: {counts['replies']} corpus replies ({counts['accepted']} accepted, {counts['refused']} refused)"
        f" -> {len(outcomes)} pages rendered (each accepted one, each kind of refusal);"
        f" {len(rounds)} hostile profiles ({len(PAYLOADS)} payloads"
        f" in every text field); executions: 0"
    )
    page.screenshot(path="/tmp/ai4d-profile-hostile.png", full_page=True)
    assert counts["replies"] >= 200 and len(outcomes) > 1 and rounds
