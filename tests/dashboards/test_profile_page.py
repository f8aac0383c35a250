"""The learner's Profile section, driven headless on the real services: a rules profile written by the analysis
from real answers shows every section in words, times in the learner's zone, evidence behind each claim,
escaped text, catalogue links only; new versions appear by themselves; next steps open a quiz."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any

import panel as pn
import param
import pytest

from ai4d_core import policy
from ai4d_core.bootstrap import Container
from ai4d_core.domain.item_types import SingleChoiceItem
from ai4d_core.domain.keys import key_answer
from ai4d_core.domain.profile import NextStep
from ai4d_core.domain.resource_catalogue import catalogue
from ai4d_core.item_bank import load_curated_bank
from ai4d_core.security.tokens import token_hash
from ai4d_core.services import accounts, cohorts, learner_settings, profile_review, profile_view, quiz_sessions
from ai4d_core.services.analysis import analyze_profiles
from ai4d_core.services.ingest import ingest_pending
from ai4d_core.services.quiz_types import QuizTurn
from dashboards.common import SESSION_ENDED
from dashboards.page_session import PageIdentity
from dashboards.profile_html import local_time
from dashboards.profile_page import NO_PROFILE, ProfileState, ProfileView, connect
from dashboards.profile_state import NO_TOPIC_QUESTIONS, REVIEW_ASKED
from dashboards.quiz_page import QuizState

pytestmark = pytest.mark.dashboards
PASSWORD = "violet kettle drums at dawn"
SECTIONS = ("Overall level", "In short", "Topics", "Strengths", "Weaknesses", "Misconceptions", "Learning path",
            "Timeline", "Next steps", "Ability over time")  # fmt: skip


@pytest.fixture(autouse=True)
def _no_rate_limits() -> None:
    quiz_sessions.ANSWERS.reset()  # user ids restart at 1 in every test
    profile_review.REQUESTS.reset()


def _signed_in(c: Container, email: str = "ada@example.org", role: str = "learner") -> tuple[PageIdentity, str]:
    accounts.create_user(c, email, email.split("@")[0], role, PASSWORD)
    token = accounts.login(c, email, PASSWORD, source="127.0.0.1")
    user = accounts.session_user(c, token)
    assert user is not None
    return PageIdentity(user, token_hash(token)), token


def _identity(c: Container, email: str = "ada@example.org", role: str = "learner") -> PageIdentity:
    return _signed_in(c, email, role)[0]


def _shown(viewable: Any) -> str:
    """What the browser gets: every HTML and Markdown pane's HTML and every button's label."""
    parts = []
    for pane in viewable.select(lambda o: isinstance(o, pn.pane.HTML | pn.pane.Markdown | pn.widgets.Button)):
        if isinstance(pane, pn.widgets.Button):
            parts.append(f"<button>{html.escape(pane.label)}</button>")
        elif isinstance(pane, pn.pane.Markdown):
            parts.append(pane._transform_object(pane.object)["object"])
        else:
            parts.append(str(pane.object))
    return "\n".join(parts)


def _text(shown: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", shown)))


def _bank(c: Container) -> dict[str, Any]:
    """The curated bank's choice items of three topics (nlp_llms among them), active."""
    items = [i for i in load_curated_bank() if i.topic in ("nlp_llms", "sql", "python") and i.type == "single_choice"]
    c.items.upsert(items)
    return {i.id: i for i in items}


def _answer(c: Container, user: policy.Principal, items: dict[str, Any], n: int, right: set[str] | None) -> None:
    """Answer up to `n` questions of a diagnostic over every topic (to its end if sooner): right on the topics
    in `right` (None: all right), a wrong option otherwise."""
    turn = quiz_sessions.start(c, user, "diagnostic", [])
    for _ in range(n):
        item = items[turn.question["id"]]
        good = right is None or item.topic in right
        value = key_answer(item) if good else next(o.id for o in item.options if o.id != key_answer(item))
        quiz_sessions.ANSWERS.reset()  # a learner answering at test speed
        outcome = quiz_sessions.answer(c, user, turn.session_id, turn.position, value)
        nxt = getattr(outcome, "next", None)
        if not isinstance(nxt, QuizTurn):
            break
        turn = nxt
    ingest_pending(c)


def _profile_of(c: Container, identity: PageIdentity, n: int = 60, right: set[str] | None = None) -> ProfileState:
    items = _bank(c)
    _answer(c, identity.user, items, n, right)
    analyze_profiles(c, use_llm=False)
    return ProfileState(container=c, identity=identity)


def test_a_rules_profile_shows_every_section_in_words_with_numbers_on_hover(clean: Container) -> None:
    identity = _identity(clean)
    state = _profile_of(clean, identity, right={"sql", "python"})
    assert state.profile is not None and state.profile["provenance"]["source"] == "rules"
    shown = _shown(ProfileView(state=state).__panel__())
    text = _text(shown)
    found = [s for s in SECTIONS if re.search(f"<h3>(<span[^>]*>)?{s}", shown)]
    print(f"sections shown: {len(found)} of {len(SECTIONS)}")
    assert found == list(SECTIONS)
    assert "Written by the rules" in text and "NLP and LLMs" in text and "nlp_llms" not in text
    assert re.search(r'title="ability [+-]\d\.\d\d \(on a scale from -4 to \+4\), standard error \d\.\d\d', shown)
    assert "Overall level" in text  # the level heading (its scale on hover)
    for tm in state.model.topics if state.model else []:
        assert f"{tm.n_correct} of {tm.n_responses}" in text
    assert "See question" in text and "Opens a" in text


def test_times_show_in_the_learners_time_zone(clean: Container) -> None:
    identity = _identity(clean)
    learner_settings.update(clean, identity.user, time_zone="Asia/Tokyo")
    state = _profile_of(clean, identity, n=4)
    assert state.zone == "Asia/Tokyo"
    at = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    assert local_time(at, "Asia/Tokyo") == "1 January 2026, 18:00 JST"
    assert local_time(at, "Europe/Paris") == "1 January 2026, 10:00 CET"
    assert local_time(at.replace(tzinfo=None), "America/New_York") == "1 January 2026, 04:00 EST"
    written = profile_view.as_utc(state.profile["provenance"]["generated_at"] if state.profile else None)
    assert local_time(written, "Asia/Tokyo") in _text(_shown(ProfileView(state=state).__panel__()))


def test_each_claim_opens_its_evidence_question_answer_score_and_explanation(clean: Container) -> None:
    identity = _identity(clean)
    state = _profile_of(clean, identity, right={"sql", "python"})
    model = state.model
    assert model is not None
    claims = [(key, n, c) for key in ("strengths", "weaknesses", "misconceptions")
              for n, c in enumerate(getattr(model, key))]  # fmt: skip
    assert claims, "the profile has claims"
    for key, n, claim in claims:
        item_id = claim.evidence[0]
        state.open_evidence(f"{key}{n}/{item_id}")
        item = state.evidence
        assert item is not None and item.item_id == item_id, state.evidence_error
        stored = clean.items.get(item_id)
        assert isinstance(stored, SingleChoiceItem) and item.explanation == stored.explanation
        shown = [c for c in ProfileView(state=state).__panel__().select(pn.Column) if "ai4d-evidence" in c.css_classes]
        assert len(shown) == 1, "the evidence opens under its claim, alone"
        text = _text(_shown(shown[0]))
        chosen = next(o.text for o in stored.options if o.id == item.answer)
        assert f"Question {item_id}" in text and f"Your answer: {_text(chosen)}" in text and "Explanation:" in text
        assert ("✔ Right" in text) == (key == "strengths") and ("✘ Not right" in text) == (key != "strengths")
    state.open_evidence(f"{claims[-1][0]}{claims[-1][1]}/{claims[-1][2].evidence[0]}")  # again: closes it
    assert state.evidence is None and state.opened == ""
    print(f"evidence opened: {len(claims)} claims")


def test_evidence_is_the_learners_own_or_their_cohorts_for_an_educator(clean: Container) -> None:
    ada = _identity(clean)
    state = _profile_of(clean, ada, n=3)
    item_id = state.profile["topics"][0]["evidence"][0] if state.profile else ""
    grace = _identity(clean, "grace@example.org")
    teacher = _identity(clean, "teacher@example.org", "educator")
    with pytest.raises(LookupError):
        profile_view.evidence_item(clean, grace.user, item_id)  # Grace never answered it: not hers to open
    with pytest.raises(policy.Forbidden):
        profile_view.evidence_item(clean, grace.user, item_id, learner_id=ada.user.id)
    with pytest.raises(policy.Forbidden):
        profile_view.evidence_item(clean, teacher.user, item_id, learner_id=ada.user.id)
    cohort = cohorts.create_cohort(clean, policy.CLI, "Evening class")
    cohorts.add_member(clean, policy.CLI, cohort, ada.user.id)
    cohorts.add_educator(clean, policy.CLI, cohort, teacher.user.id)
    seen = profile_view.evidence_item(clean, teacher.user, item_id, learner_id=ada.user.id)
    assert seen.item_id == item_id and seen.score is not None


def test_profile_text_is_escaped_and_only_catalogue_https_resources_are_links(clean: Container) -> None:
    identity = _identity(clean)
    state = _profile_of(clean, identity, n=4)
    doc = dict(state.profile or {})
    evil = '<img src=x onerror="window.__xss=1"> [phish](https://evil.example/) https://evil.example/'
    resource = next(iter(catalogue().values()))
    doc.update(version=doc["version"] + 1, narrative=evil)
    doc["learning_path"] = [{**doc["learning_path"][0], "objective": evil, "resources": [resource.id]}]
    doc["next_steps"] = [{"text": evil[:200], "topic": None, "mode": "diagnostic"}]
    clean.profiles.put(doc)
    assert state.check_for_new()
    shown = _shown(ProfileView(state=state).__panel__())
    assert "<img" not in shown and "&lt;img src=x" in shown and 'href="https://evil' not in shown
    links = re.findall(r"<a [^>]*>", shown)
    assert links == [f'<a href="{resource.url}" rel="noopener noreferrer" target="_blank">'], links
    assert html.escape(evil[:200]) in shown  # the next step's button label, as text


def test_the_same_version_twice_rebuilds_the_section_once(clean: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Refresh click and the periodic check both bring a new version (in either order, or the click while
    the check's number is on its way): the section is rebuilt once, so the learner's next click is not lost."""
    identity = _identity(clean)
    state = _profile_of(clean, identity, n=4)
    rebuilds: list[int] = []
    state.param.watch(lambda event: rebuilds.append(event.new["version"]), "profile")
    clean.profiles.put({**(state.profile or {}), "version": 2})
    assert state.check_for_new()
    state.param.trigger("refresh")  # the click sent before the check's version reached the page
    assert rebuilds == [2]

    clean.profiles.put({**(state.profile or {}), "version": 3})
    read = profile_view.latest_version

    def number_then_refresh(c: Container, user: Any) -> int:
        latest = read(c, user)
        state.param.trigger("refresh")  # the click lands here, on another thread in a served page
        return latest

    monkeypatch.setattr(profile_view, "latest_version", number_then_refresh)
    assert not state.check_for_new()
    assert state.version == 3 and rebuilds == [2, 3]


def test_a_new_version_appears_by_itself_and_ability_over_time_charts_both(clean: Container) -> None:
    identity = _identity(clean)
    state = _profile_of(clean, identity, n=4)
    assert state.version == 1 and not state.check_for_new()
    assert "appears once a second version" in _text(_shown(ProfileView(state=state).__panel__()))
    doc = {**(state.profile or {}), "version": 2}
    doc["provenance"] = {**doc["provenance"], "generated_at": "2026-02-01T08:00:00+00:00"}
    clean.profiles.put(doc)
    assert state.check_for_new() and state.version == 2
    assert {p.version for p in state.points} == {1, 2}
    view = ProfileView(state=state).__panel__()
    assert "Ability per topic in each profile version" in _text(_shown(view))
    assert len(view.select(pn.pane.Bokeh)) == 2  # ability per topic, and over time


def test_mastery_is_claimed_only_where_the_se_backs_it(clean: Container) -> None:
    identity = _identity(clean)
    doc = _v1_profile(identity.user.id)
    sure = {**doc["topics"][0], "topic": "sql", "se": 0.3, "mastery": "mastered"}
    doc["topics"] = [{**doc["topics"][0], "se": 0.8, "mastery": "mastered"}, sure]
    clean.profiles.put(doc)
    shown = re.sub(r"\s+", " ", _shown(ProfileView(state=ProfileState(container=clean, identity=identity)).__panel__()))
    assert re.search(r"<td>Python</td><td><span [^>]*>Not enough evidence yet</span>", shown)
    assert re.search(r"<td>SQL</td><td><span [^>]*>Mastered</span>", shown)
    assert "Overall level 2: Novice</span>" in shown  # one topic backs it: not provisional


def test_a_learner_sees_only_their_own_profile_and_nothing_after_logout(clean: Container) -> None:
    identity, token = _signed_in(clean)
    grace = _identity(clean, "grace@example.org")
    clean.profiles.put(_v1_profile(grace.user.id))
    state = ProfileState(container=clean, identity=identity)
    assert state.profile is None and state.points == []
    with pytest.raises(policy.Forbidden):
        profile_view.latest_profile(clean, identity.user, learner_id=grace.user.id)
    accounts.logout(clean, token)
    clean.profiles.put(_v1_profile(identity.user.id))
    state.param.trigger("refresh")
    assert state.profile is None and state.ended and state.message == SESSION_ENDED
    assert not state.check_for_new() and state.profile is None


def test_an_old_v1_profile_still_renders(clean: Container) -> None:
    identity = _identity(clean)
    state = ProfileState(container=clean, identity=identity)
    assert NO_PROFILE in _text(_shown(ProfileView(state=state).__panel__()))
    clean.profiles.put(_v1_profile(identity.user.id))
    state.param.trigger("refresh")
    shown = _shown(ProfileView(state=state).__panel__())
    text = _text(shown)
    assert "Overall level 2: Novice" in text and "Knows list methods" in text and "Practise joins" in text
    assert "SQL book" in text and "Not enough evidence yet" in text  # v1 text resource; SE 0.8 backs no level
    assert "Overall level 2: Novice (not enough evidence yet)" in text  # no topic backs it
    assert "<script>" not in shown and "&lt;script&gt;alert(1)" in shown and "<a " not in shown


def _practice_step(state: ProfileState) -> NextStep:
    step = next(s for s in (state.model.next_steps if state.model else []) if s.mode == "practice")
    assert step.topic is not None
    return step


def test_a_next_step_opens_a_practice_on_its_topic_in_the_quiz_section(clean: Container) -> None:
    identity = _identity(clean)
    state = _profile_of(clean, identity)  # the diagnostic answered to its end
    quiz, layout = QuizState(container=clean, identity=identity), _Sections()
    connect(state, quiz, layout)
    step = _practice_step(state)
    state.choose(step)
    assert layout.active == "Quiz" and quiz.turn is not None, quiz.message
    assert quiz.turn.mode == "practice" and clean.items.get(quiz.turn.question["id"]).topic == step.topic  # type: ignore[union-attr]


def test_a_next_step_on_a_topic_without_questions_opens_a_diagnostic_and_says_why(clean: Container) -> None:
    identity = _identity(clean)
    state = _profile_of(clean, identity)
    quiz, layout = QuizState(container=clean, identity=identity), _Sections()
    connect(state, quiz, layout)
    state.choose(NextStep(text="Practise MLOps", topic="mlops", mode="practice"))  # no MLOps question in the bank
    assert layout.active == "Quiz" and quiz.turn is not None and quiz.turn.mode == "diagnostic"
    assert quiz.message == NO_TOPIC_QUESTIONS.format(topic="MLOps")


def test_a_next_step_asks_before_it_abandons_a_quiz_in_progress(clean: Container) -> None:
    identity = _identity(clean)
    state = _profile_of(clean, identity, n=4)  # a diagnostic still in progress
    quiz, layout = QuizState(container=clean, identity=identity), _Sections()
    connect(state, quiz, layout)
    step = _practice_step(state)
    state.choose(step)
    assert layout.active == "Quiz" and quiz.confirming and quiz.turn is not None and quiz.turn.mode == "diagnostic"
    quiz.param.trigger("abandon")  # "Yes, start a new quiz": the start screen, set for the step's practice
    assert quiz.mode == "practice" and quiz.practice_topic == step.topic
    quiz.param.trigger("start")
    assert quiz.turn is not None and quiz.turn.mode == "practice", quiz.message


def test_the_learner_asks_for_a_review_once_and_the_page_says_it_is_with_their_educators(clean: Container) -> None:
    identity = _identity(clean)
    clean.profiles.put(_v1_profile(identity.user.id))
    state = ProfileState(container=clean, identity=identity)
    assert state.review == "" and "Ask for a review" in _text(_shown(ProfileView(state=state).__panel__()))
    state.note = "x" * 501
    state.param.trigger("ask_review")
    assert "at most 500 characters" in state.message and profile_review.my_request(clean, identity.user) is None
    state.note = "My SQL path looks too long"
    state.param.trigger("ask_review")
    asked = profile_review.my_request(clean, identity.user)
    assert asked is not None and asked.note == "My SQL path looks too long" and state.note == ""
    text = _text(_shown(ProfileView(state=state).__panel__()))
    assert REVIEW_ASKED in text and "Ask for a review" not in text
    assert ProfileState(container=clean, identity=identity).review == REVIEW_ASKED  # still said after a reload


class _Sections(param.Parameterized):
    """What `connect` needs of the learner layout: the section shown (`LearnerLayout.active`)."""

    active = param.String(default="Profile")


def _v1_profile(learner_id: int) -> dict[str, Any]:
    return {
        "learner_id": learner_id, "version": 1,
        "overall_level": {"level": 2, "label": "Novice"},
        "topics": [{"topic": "python", "n_responses": 3, "mean_score": 0.6667, "ability": 0.31, "se": 0.8,
                    "mastery": "proficient", "evidence": ["py-001"]}],
        "strengths": [{"topic": "python", "claim": "Knows list methods", "evidence": ["py-001"]}],
        "weaknesses": [], "misconceptions": [],
        "learning_path": [{"order": 1, "topic": "sql", "objective": "Joins", "resources": ["SQL book"],
                           "estimated_hours": 2.0}],
        "timeline": [{"week": 1, "focus": "SQL joins"}],
        "next_steps": ["Practise joins"],
        "narrative": "Good start <script>alert(1)</script> [phish](https://evil.example/)",
        "provenance": {"source": "rules", "model": None, "generated_at": "2026-01-01T00:00:00Z"},
    }  # fmt: skip
