"""The profile's words and HTML (`dashboards.profile_html`), pure: names, times in a zone, claims, links, badge."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ai4d_core.domain.misconceptions import misconceptions
from ai4d_core.domain.profile import Provenance
from ai4d_core.domain.resource_catalogue import catalogue
from dashboards.profile_html import author_badge, claim_html, local_time, read_profile, resource_html, topic_label

pytestmark = pytest.mark.dashboards
AT = datetime(2026, 7, 1, 12, 30, tzinfo=UTC)


def test_times_follow_the_zone_and_its_summer_time() -> None:
    assert local_time(AT, "Europe/Paris") == "1 July 2026, 14:30 CEST"
    assert local_time(AT.replace(month=1), "Europe/Paris") == "1 January 2026, 13:30 CET"
    assert local_time(AT, "Australia/Sydney") == "1 July 2026, 22:30 AEST"
    assert local_time(AT, "Not/AZone") == "1 July 2026, 12:30 UTC"  # an unknown zone: UTC, said so
    assert local_time(None, "UTC") == "an unknown time"


def test_topics_read_as_words() -> None:
    assert topic_label("nlp_llms") == "NLP and LLMs" and topic_label("etl_orchestration") == "ETL and orchestration"
    assert topic_label("type_single_choice") == "Type single choice"


def test_a_claim_names_its_topic_and_belief_once_and_shows_markup_as_text() -> None:
    rules = claim_html("sql", "SQL: solid in joins.")
    assert rules == "<p>SQL: solid in joins.</p>"
    llm = claim_html("sql", "<b>Solid</b> in joins")
    assert llm == "<p><strong>SQL</strong>: &lt;b&gt;Solid&lt;/b&gt; in joins</p>"
    tag, known = next(iter(misconceptions().items()))
    said = claim_html(known.topic, f"{topic_label(known.topic)}: {known.description}", tag)
    assert said.count(known.description.rstrip(".")) == 1
    told = claim_html(known.topic, "Picked a distractor twice", tag)
    assert f"(the belief: {known.description})" in told and f'title="misconception {tag}"' in told
    assert "(made-up-tag)" in claim_html("sql", "x", "made-up-tag")


def test_only_catalogue_resources_are_links() -> None:
    resource = next(iter(catalogue().values()))
    assert resource_html(resource.id).startswith(f'<a href="{resource.url}" rel="noopener noreferrer" target="_blank">')
    assert resource_html("javascript:alert(1)") == "javascript:alert(1)"
    assert resource_html('https://evil.example/" onmouseover="x') == "https://evil.example/&quot; onmouseover=&quot;x"


def test_the_badge_says_who_wrote_the_profile_and_why_the_rules_did() -> None:
    written = Provenance(source="rules", generated_at=AT, evidence_from=None, evidence_to=None, n_responses=12)
    checked = written.model_copy(update={"source": "llm", "model": "qwen-7b", "checked": True})
    llm = author_badge(checked, "Europe/Paris")
    assert "Written by qwen-7b, checked against the rules" in llm and "1 July 2026, 14:30 CEST" in llm
    rules = author_badge(written.model_copy(update={"fallback_reason": "llm: timeout"}), "UTC")
    assert (
        "Written by the rules" in rules and "The language model was not used: the LLM call failed (timeout)." in rules
    )


def test_an_unreadable_document_is_none_and_an_early_v1_one_reads() -> None:
    assert read_profile({"learner_id": 1, "version": 1}) is None
    early = {
        "learner_id": 1, "version": 1, "overall_level": {"level": 1, "label": "Beginner"}, "topics": [],
        "strengths": [], "weaknesses": [], "misconceptions": [], "learning_path": [], "timeline": [],
        "next_steps": ["Take the diagnostic quiz"], "narrative": "",
        "provenance": {"source": "rules", "generated_at": "2026-01-01T00:00:00Z"},
    }  # fmt: skip
    profile = read_profile(early)
    assert profile is not None and profile.next_steps[0].mode == "diagnostic" and profile.provenance.n_responses == 0
