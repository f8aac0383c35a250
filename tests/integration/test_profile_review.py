"""The profile review queue on the real PostgreSQL and MongoDB-wire server: who sees whom, requests, resolving,
and who may start a re-run (the re-run itself, through Prefect, is in tests/flows/test_profile_rerun.py)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ai4d_core.bootstrap import Container
from ai4d_core.policy import Forbidden, Viewer
from ai4d_core.services import audit, cohorts, profile_review
from ai4d_core.services.profile_review import NO_LLM, RunProgress

pytestmark = pytest.mark.integration
HASH = "not-a-real-hash"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _user(c: Container, name: str, role: str) -> Viewer:
    return Viewer(c.users.add(f"{name}@example.org", name.title(), role, HASH), role)


def _profile(learner_id: int, version: int, source: str, reason: str | None, text: str, **extra: Any) -> dict[str, Any]:
    """A stored profile document with the fields the queue reads (as the analysis writes them, JSON mode)."""
    return {
        "learner_id": learner_id, "version": version,
        "narrative": f"{text} narrative",
        "strengths": [{"topic": "sql", "claim": f"{text} strength", "evidence": ["sql-101"]}],
        "weaknesses": [], "misconceptions": [],
        "learning_path": [
            {"order": 1, "topic": "sql", "objective": f"{text} objective", "resources": [], "estimated_hours": 2}
        ],
        "timeline": [{"week": 1, "focus": f"{text} focus", "topics": ["sql"], "hours": 2}],
        "next_steps": [{"text": f"{text} next", "topic": "sql", "mode": "practice"}],
        "provenance": {
            "source": source, "model": "fake-model" if source == "llm" else None, "fallback_reason": reason,
            "generated_at": (NOW + timedelta(minutes=version)).isoformat(), "n_responses": 3,
        },
        **extra,
    }  # fmt: skip


class RecordingRuns:
    """A stand-in flow runner that records what it was asked to start (Prefect itself: tests/flows)."""

    def __init__(self) -> None:
        self.started: list[list[int]] = []

    def start(self, learner_ids: Sequence[int]) -> uuid.UUID:
        self.started.append(list(learner_ids))
        return uuid.uuid4()

    def progress(self, run_id: uuid.UUID) -> RunProgress:
        return RunProgress("Running", final=False, ok=False, percent=50.0)


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    profile_review.REQUESTS.reset()  # user ids restart at 1 in every test
    profile_review.RERUNS.reset()


@pytest.fixture
def world(clean: Container) -> dict[str, Viewer]:
    """Two cohorts with an educator each; ada and bob in the first, cyd in the second, dee in none."""
    people = {name: _user(clean, name, "learner") for name in ("ada", "bob", "cyd", "dee")}
    people |= {"tess": _user(clean, "tess", "educator"), "uma": _user(clean, "uma", "educator")}
    people |= {"root": _user(clean, "root", "admin"), "ann": _user(clean, "ann", "analyst")}
    first = cohorts.create_cohort(clean, people["tess"], "First")
    second = cohorts.create_cohort(clean, people["uma"], "Second")
    for name, cohort in (("ada", first), ("bob", first), ("cyd", second)):
        cohorts.add_member(clean, people["tess" if cohort == first else "uma"], cohort, people[name].id)
    p = clean.profiles
    p.put(_profile(people["ada"].id, 1, "llm", None, "ada llm"))
    p.put(
        _profile(people["ada"].id, 2, "rules", "the LLM's reply cited evidence the learner does not have", "ada rules")
    )
    p.put(_profile(people["bob"].id, 1, "llm", None, "bob llm"))  # an LLM profile: not in the queue
    p.put(_profile(people["cyd"].id, 1, "rules", "the LLM timed out", "cyd rules"))
    p.put(_profile(people["dee"].id, 1, "rules", "no LLM is configured", "dee rules"))
    return people


def test_an_educator_sees_only_their_learners_fallbacks_with_reasons_and_the_llm_text(
    world: dict[str, Viewer], clean: Container
) -> None:
    queue = profile_review.review_queue(clean, world["tess"])
    assert [e.display_name for e in queue] == ["Ada"]
    ada = queue[0]
    assert ada.reason == "the LLM's reply cited evidence the learner does not have"
    assert ada.version == 2 and not ada.requested
    assert ada.rules_text[0].lines == ("ada rules narrative",)
    assert ada.llm_label == "version 1 by fake-model"
    assert {s.title: s.lines for s in ada.llm_text}["Next steps"] == ("ada llm next",)
    assert [e.display_name for e in profile_review.review_queue(clean, world["uma"])] == ["Cyd"]
    assert {e.display_name for e in profile_review.review_queue(clean, world["root"])} == {"Ada", "Cyd", "Dee"}
    for outsider in (world["ann"], world["ada"], None):
        with pytest.raises(Forbidden):
            profile_review.review_queue(clean, outsider)


def test_a_refused_reply_kept_by_the_analysis_is_shown_as_the_llm_side(
    world: dict[str, Viewer], clean: Container
) -> None:
    cyd = world["cyd"].id
    clean.profiles.put(
        _profile(cyd, 2, "rules", "the reply changed a number", "cyd again", refused_llm_text="<b>9</b>")
    )
    (entry,) = profile_review.review_queue(clean, world["uma"])
    assert entry.llm_label == "the LLM's refused reply"
    assert entry.llm_text[0].lines == ("<b>9</b>",)  # kept as text: the page escapes it


def test_a_learners_request_appears_once_first_and_is_resolved_once(world: dict[str, Viewer], clean: Container) -> None:
    bob = world["bob"]
    first = profile_review.request_review(clean, bob, "  The path ignores\x00 my goal.\r\n", source="10.0.0.9")
    again = profile_review.request_review(clean, bob, "another note")
    assert again == first and first.note == "The path ignores my goal."
    assert first.profile_version == 1
    assert profile_review.my_request(clean, bob) == first
    queue = profile_review.review_queue(clean, world["tess"])
    assert [(e.display_name, e.requested) for e in queue] == [("Bob", True), ("Ada", False)]
    assert queue[0].reason is None  # an LLM profile: asked for, not a fallback
    assert queue[0].llm_text and not queue[0].rules_text
    assert [e.display_name for e in profile_review.review_queue(clean, world["uma"])] == ["Cyd"]

    with pytest.raises(Forbidden):  # not uma's learner
        profile_review.resolve(clean, world["uma"], first.id, "kept")
    with pytest.raises(ValueError, match="outcome"):
        profile_review.resolve(clean, world["tess"], first.id, "whatever")
    assert profile_review.resolve(clean, world["tess"], first.id, "kept") is True
    assert profile_review.resolve(clean, world["tess"], first.id, "kept") is False
    assert profile_review.my_request(clean, bob) is None
    assert [e.display_name for e in profile_review.review_queue(clean, world["tess"])] == ["Ada"]
    events = [(e.event, e.actor_id, e.target_id) for e in audit.recent(clean, event=None, target_id=bob.id)]
    assert ("profile_review_requested", bob.id, bob.id) in events
    assert ("profile_review_resolved", world["tess"].id, bob.id) in events
    assert len([e for e in events if e[0] == "profile_review_requested"]) == 1


def test_a_request_note_is_bounded_plain_text_and_only_learners_ask(world: dict[str, Viewer], clean: Container) -> None:
    with pytest.raises(ValueError, match="500"):
        profile_review.request_review(clean, world["ada"], "x" * 501)
    assert profile_review.my_request(clean, world["ada"]) is None
    for other in (world["tess"], world["ann"], None):
        with pytest.raises(Forbidden):
            profile_review.request_review(clean, other, "hi")


def test_asking_again_and_again_is_rate_limited(world: dict[str, Viewer], clean: Container) -> None:
    dee = world["dee"]
    for _ in range(3):  # ask, get resolved, ask again
        made = profile_review.request_review(clean, dee, "please")
        profile_review.resolve(clean, world["root"], made.id, "dismissed")
    with pytest.raises(ValueError, match="Too many"):
        profile_review.request_review(clean, dee, "please")


def test_only_educators_and_admins_start_reruns_of_their_own_learners(
    world: dict[str, Viewer], clean: Container
) -> None:
    runs = RecordingRuns()
    with pytest.raises(ValueError, match=re.escape(NO_LLM)):  # the test settings have no LLM
        profile_review.start_rerun(clean, world["tess"], None, runs)
    with_llm = Container(clean.settings.model_copy(update={"llm_base_url": "http://127.0.0.1:9/v1"}))
    try:
        for outsider in (world["ann"], world["ada"], None):
            with pytest.raises(Forbidden):
                profile_review.start_rerun(with_llm, outsider, [world["ada"].id], runs)
        with pytest.raises(Forbidden):  # cyd is uma's
            profile_review.start_rerun(with_llm, world["tess"], [world["cyd"].id], runs)
        assert runs.started == []
        profile_review.request_review(clean, world["bob"], "my LLM profile is odd")  # not a fallback
        run_id = profile_review.start_rerun(with_llm, world["tess"], None, runs, source="10.0.0.1")
        assert runs.started == [[world["ada"].id]]
        assert profile_review.rerun_progress(with_llm, world["tess"], run_id, runs).percent == 50.0
        with pytest.raises(Forbidden):  # another educator's run
            profile_review.rerun_progress(with_llm, world["uma"], run_id, runs)
        latest = profile_review.latest_rerun(with_llm, world["tess"])
        assert latest is not None and latest.flow_run_id == run_id
        (entry,) = audit.recent(clean, event="profile_rerun_started")
        assert (entry.actor_id, entry.target_id, entry.detail["n_learners"]) == (world["tess"].id, world["ada"].id, 1)
    finally:
        with_llm.close()
