"""The educator's Profile review tab, driven headless against the real services: the queue, both texts escaped,
resolve, and what the page says about a re-run when Prefect is not there or while it runs."""

from __future__ import annotations

import html
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import panel as pn
import pytest

from ai4d_core.bootstrap import Container
from ai4d_core.policy import Viewer
from ai4d_core.security.tokens import token_hash
from ai4d_core.services import accounts, cohorts, profile_review
from ai4d_core.services.profile_review import RunProgress
from dashboards.page_session import PageIdentity
from dashboards.profile_review import EMPTY, ReviewState, ReviewView, progress_text, reason_words

pytestmark = pytest.mark.dashboards
PASSWORD = "violet kettle drums at dawn"
HOSTILE = '<script>alert("x")</script> **bold** [link](http://evil.example) ![i](http://evil.example/i.png)'


def _sign_in(c: Container, email: str, role: str) -> PageIdentity:
    accounts.create_user(c, email, email.split("@")[0].title(), role, PASSWORD)
    token = accounts.login(c, email, PASSWORD, source="127.0.0.1")
    user = accounts.session_user(c, token)
    assert user is not None
    return PageIdentity(user, token_hash(token))


def _html_of(viewable: Any) -> str:
    panes = viewable.select(pn.pane.Markdown)
    return "\n".join(html.unescape(pane._transform_object(pane.object)["object"]) for pane in panes)


def _profile(learner_id: int, version: int, source: str, narrative: str, reason: str | None) -> dict[str, Any]:
    return {
        "learner_id": learner_id, "version": version, "narrative": narrative, "strengths": [], "weaknesses": [],
        "misconceptions": [], "learning_path": [], "timeline": [], "next_steps": [],
        "provenance": {"source": source, "model": "m-1" if source == "llm" else None, "fallback_reason": reason,
                       "generated_at": f"2026-12-01T10:0{version}:00+00:00"},
    }  # fmt: skip


class StubRuns:
    """A flow runner that reports a run half done (the Prefect one is tested in tests/flows)."""

    def __init__(self) -> None:
        self.started: list[list[int]] = []
        self.state = RunProgress("Running", final=False, ok=False, percent=50.0, message="1 of 2 learners")

    def start(self, learner_ids: Sequence[int]) -> uuid.UUID:
        self.started.append(list(learner_ids))
        return uuid.uuid4()

    def progress(self, run_id: uuid.UUID) -> RunProgress:
        return self.state


@pytest.fixture
def page(clean: Container) -> Iterator[tuple[Container, PageIdentity, int]]:
    """An educator with one learner whose latest profile fell back after an LLM version with hostile text."""
    profile_review.REQUESTS.reset()
    profile_review.RERUNS.reset()
    educator = _sign_in(clean, "tess@example.org", "educator")
    ada = clean.users.add("ada@example.org", "Ada <b>", "learner", "not-a-hash")
    cohort = cohorts.create_cohort(clean, educator.user, "First")
    cohorts.add_member(clean, educator.user, cohort, ada)
    clean.profiles.put(_profile(ada, 1, "llm", HOSTILE, None))
    clean.profiles.put(_profile(ada, 2, "rules", "Rules narrative.", "llm: timeout"))
    with Container(clean.settings.model_copy(update={"llm_base_url": "http://127.0.0.1:9/v1"})) as with_llm:
        yield with_llm, educator, ada


def test_the_queue_shows_the_reason_and_both_texts_escaped(page: tuple[Container, PageIdentity, int]) -> None:
    c, educator, ada = page
    state = ReviewState(container=c, identity=educator, runs=StubRuns())
    view = ReviewView(state=state)
    assert [e.learner_id for e in state.entries] == [ada] and state.message == ""
    state.selected = ada
    shown = _html_of(view._detail())
    assert (
        "Written by the rules because the LLM call failed (timeout)." in shown
        and "Rules narrative" in shown
        and "version 1 by m-1" in shown
    )
    literal = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; **bold** [link](http://evil.example) ![i]("
    assert literal in shown  # the LLM's text, word for word, as text
    assert "<script" not in shown and "<a " not in shown and "<img" not in shown and "<strong>bold" not in shown
    assert "<h3>Ada &lt;b&gt;</h3>" in shown


def test_a_rerun_without_prefect_says_so_on_the_page(page: tuple[Container, PageIdentity, int]) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    c, educator, ada = page
    state = ReviewState(container=c, identity=educator)  # the real Prefect flow runs
    state.selected = ada
    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        state.param.trigger("rerun_one")
    assert "does not answer" in state.run_message and state.run_id is None
    assert "does not answer" in _html_of(ReviewView(state=state)._progress())


def test_a_rerun_shows_its_progress_and_a_request_is_resolved(page: tuple[Container, PageIdentity, int]) -> None:
    c, educator, ada = page
    runs = StubRuns()
    state = ReviewState(container=c, identity=educator, runs=runs)
    state.param.trigger("rerun_all")
    assert runs.started == [[ada]] and state.run_id is not None
    state.poll()
    assert progress_text(state.progress, "") == "Re-run running, 50%: 1 of 2 learners."
    runs.state = RunProgress("Completed", final=True, ok=True, percent=100.0, message="2 of 2 learners")
    state.poll()
    assert "completed, 100%" in progress_text(state.progress, "")
    reloaded = ReviewState(container=c, identity=educator, runs=runs)  # a reload follows the same run
    assert reloaded.run_id == state.run_id

    request = profile_review.request_review(c, Viewer(ada, "learner"), "Please check my path")
    state.param.trigger("refresh")
    state.selected = ada
    assert "Please check my path" in _html_of(ReviewView(state=state)._detail())
    state.outcome = "kept"
    state.param.trigger("resolve")
    assert state.message.startswith("Request resolved") and profile_review.my_request(c, Viewer(ada, "learner")) is None
    assert request.id and [e.request for e in state.entries] == [None]


def test_an_educator_with_no_learners_sees_why_the_queue_is_empty(clean: Container) -> None:
    state = ReviewState(container=clean, identity=_sign_in(clean, "uma@example.org", "educator"), runs=StubRuns())
    assert state.entries == [] and state.message == EMPTY
    assert profile_review.NO_LLM in _html_of(ReviewView(state=state).__panel__())  # said before any click
    state.param.trigger("rerun_all")
    assert state.run_message == profile_review.NO_LLM  # no LLM in the test settings: nothing started


@pytest.mark.parametrize(
    ("reason", "words"),
    [("llm: not configured", "no LLM was configured"), ("llm: rate_limited", "the LLM call failed (rate limited)"),
     ("llm: refused: resource x-9 is not in the catalogue",
      "the LLM's reply was refused (resource x-9 is not in the catalogue)"),
     ("llm: refused", "the LLM's reply was refused"), ("something else", "something else")],
)  # fmt: skip
def test_fallback_reasons_read_as_words(reason: str, words: str) -> None:
    assert reason_words(reason) == words
