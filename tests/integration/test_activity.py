"""The activity relay on real PostgreSQL and the MongoDB-wire server: idempotent, nothing lost on a failure,
erased with the learner; the opt-in "profile ready" e-mail queued once per version."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, insert, select, update

from ai4d_core import policy
from ai4d_core.adapters.mongo_activity import MongoActivityStore
from ai4d_core.adapters.sql.tables import MailMessage, OutboxMessage
from ai4d_core.adapters.sql.tables_learner import ActivityWatermark, ProfileNotification
from ai4d_core.adapters.sql.tables_quiz import QuizSession
from ai4d_core.bootstrap import Container
from ai4d_core.domain.activity import ActivityEvent
from ai4d_core.domain.keys import key_answer
from ai4d_core.services import activity, learner_settings, privacy, quiz_sessions
from ai4d_core.services.activity import RelayError, relay, relay_activity
from ai4d_core.services.analysis import analyze_profiles
from ai4d_core.services.ingest import ingest_pending
from ai4d_core.services.profile_ready import PROFILE_PATH, TEMPLATE
from ai4d_core.services.quiz_sessions import Answered, QuizTurn, Summary

pytestmark = pytest.mark.integration
HASH = "$argon2id$v=19$m=65536,t=3,p=4$placeholder"


@pytest.fixture(autouse=True)
def _no_rate_limits() -> None:
    quiz_sessions.ANSWERS.reset()


def _learner(c: Container, name: str, *, verified: bool = True) -> policy.Viewer:
    uid = c.users.add(f"{name}@example.org", name.title(), "learner", HASH, verified=verified)
    return policy.Viewer(uid, policy.LEARNER)


def _answer(c: Container, learner: policy.Viewer, n: int) -> None:
    """`n` right answers in the learner's quiz (started if none is active)."""
    turn: QuizTurn | Summary = quiz_sessions.resume(c, learner) or quiz_sessions.start(c, learner, "diagnostic", None)
    for _ in range(n):
        assert isinstance(turn, QuizTurn)
        item = c.items.get(turn.question["id"], turn.question["version"])
        assert item is not None
        result = quiz_sessions.answer(c, learner, turn.session_id, turn.position, key_answer(item))
        assert isinstance(result, Answered)
        turn = result.next


def _profiled(c: Container, *learners: policy.Viewer, answers: int = 2) -> None:
    """Each learner answers, the answers are ingested and a profile version is written and delivered."""
    for learner in learners:
        _answer(c, learner, answers)
    ingest_pending(c)
    report = analyze_profiles(c)
    assert report.failed == 0 and report.delivered >= len(learners)


def _kinds(c: Container, learner: policy.Viewer) -> Counter[str]:
    return Counter(e.kind for e in c.activity.recent(learner.id, 1000))


def _profile_mails(c: Container) -> list[tuple[int | None, str, str]]:
    with c.engine.connect() as conn:
        rows = conn.execute(
            select(MailMessage.user_id, MailMessage.text_body, MailMessage.html_body)
            .where(MailMessage.template == TEMPLATE)
            .order_by(MailMessage.id)
        )
        return [(u, t, h) for u, t, h in rows]


def test_the_relay_stores_each_fact_once_however_often_it_runs(bank: Container) -> None:
    ada = _learner(bank, "ada")
    _profiled(bank, ada, answers=3)

    first = relay_activity(bank)
    kinds = _kinds(bank, ada)
    assert kinds["quiz_started"] == 1 and kinds["answered"] == 3 and kinds["profile_written"] == 1
    assert first == sum(kinds.values())
    assert relay_activity(bank) == 0 and _kinds(bank, ada) == kinds

    with bank.engine.begin() as conn:  # even from the very start (a lost watermark), nothing is duplicated
        conn.execute(delete(ActivityWatermark))
    assert relay_activity(bank) == 0 and _kinds(bank, ada) == kinds

    _answer(bank, ada, 1)
    assert relay_activity(bank) >= 1 and _kinds(bank, ada)["answered"] == 4
    events = activity.recent(bank, ada, 10)
    # the newest answer (a badge the answer earned, such as finishing the quiz, may come after it)
    newest = next(e for e in events if e.kind == "answered")
    assert newest.data["score"] == 1.0 and newest.data["pretest"] in (True, False)
    assert all(e.kind in ("answered", "badge_earned") for e in events[: events.index(newest)])
    profile = next(e for e in events if e.kind == "profile_written")
    assert profile.data["version"] == 1 and profile.data["source"] == "rules" and profile.at.tzinfo is not None
    print(f"checked {sum(_kinds(bank, ada).values())} relayed events")


def test_a_page_is_read_across_equal_times_and_page_boundaries(bank: Container) -> None:
    learners = [_learner(bank, f"l{n}") for n in range(3)]
    for learner in learners:
        _answer(bank, learner, 2)
    with bank.engine.begin() as conn:  # every session started at the same instant: the key breaks the tie
        conn.execute(update(QuizSession).values(started_at=datetime(2026, 1, 1, tzinfo=UTC)))
    report = relay(bank, page=2)
    assert report.per_source["quiz_started"] == 3 and report.per_source["answered"] == 6
    assert relay(bank, page=2).events == 0


def test_a_failure_leaves_the_watermark_and_the_next_run_loses_nothing(bank: Container) -> None:
    ada = _learner(bank, "ada")
    _answer(bank, ada, 2)

    class Unwritable(Container):
        """The app's MongoDB user may write only its own database: every write here is refused."""

        @property
        def activity(self) -> MongoActivityStore:
            return MongoActivityStore(self.mongo_client["not_the_app_database"])

    broken = Unwritable(bank.settings)
    try:
        with pytest.raises(RelayError, match="FAILED: quiz_started, answered"):
            relay_activity(broken)
    finally:
        broken.close()
    with bank.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ActivityWatermark)).scalar_one() == 0
    relayed = relay_activity(bank)
    kinds = _kinds(bank, ada)
    assert relayed == sum(kinds.values()) and (kinds["quiz_started"], kinds["answered"]) == (1, 2)


def test_a_bad_fact_in_one_source_stops_only_that_source(bank: Container) -> None:
    ada = _learner(bank, "ada")
    _answer(bank, ada, 1)
    with bank.engine.begin() as conn:
        conn.execute(insert(OutboxMessage).values(
            topic="profile", dedupe_key="x:1", payload={"learner_id": "not a number", "version": 1},
            delivered_at=func.now(),
        ))  # fmt: skip
    report = relay(bank)
    assert report.failed == ("profile_written",)
    assert (report.per_source["quiz_started"], report.per_source["answered"]) == (1, 1)
    assert (_kinds(bank, ada)["quiz_started"], _kinds(bank, ada)["answered"]) == (1, 1)


def test_erasure_removes_the_learners_activity_and_a_later_relay_brings_nothing_back(bank: Container) -> None:
    ada, bob = _learner(bank, "ada"), _learner(bank, "bob")
    learner_settings.update(bank, ada, notify_profile_ready=True)
    _profiled(bank, ada, bob)
    relay_activity(bank)
    assert _kinds(bank, ada) and _kinds(bank, bob)
    with bank.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ProfileNotification)).scalar_one() == 1

    report = privacy.erase_user(bank, ada.id)

    assert report.complete, str(report)
    assert report.counts["mongodb.activity"] > 0 and report.counts["postgresql.learner_settings"] == 1
    assert report.counts["postgresql.profile_notifications"] == 1
    with bank.engine.begin() as conn:
        conn.execute(delete(ActivityWatermark))
    relay_activity(bank)
    assert _kinds(bank, ada) == Counter() and _kinds(bank, bob)["answered"] == 2


def test_events_stored_after_an_erasure_finished_are_removed_by_the_relay(bank: Container) -> None:
    ada, bob = _learner(bank, "ada"), _learner(bank, "bob")
    _answer(bank, bob, 1)
    relay_activity(bank)
    privacy.erase_user(bank, ada.id)
    late = ActivityEvent("answered", "read-before-the-erasure:1", ada.id, datetime.now(UTC), {"score": 1.0})
    bank.activity.upsert([late])  # what a relay that read ada's answer before her erasure stores after it
    assert activity.drop_erased(bank, {ada.id, bob.id}) == 1
    assert bank.activity.recent(ada.id) == [] and _kinds(bank, bob)["answered"] == 1


def test_the_profile_ready_mail_goes_once_per_version_and_only_to_learners_who_asked(bank: Container) -> None:
    ada, bob, cy = _learner(bank, "ada"), _learner(bank, "bob"), _learner(bank, "cy", verified=False)
    for viewer in (ada, cy):
        learner_settings.update(bank, viewer, notify_profile_ready=True)
    _profiled(bank, ada, bob, cy)

    relay(bank)
    relay(bank)
    with bank.engine.begin() as conn:
        conn.execute(delete(ActivityWatermark))  # relayed again from the start: still once
    assert relay(bank).notifications == 0

    mails = _profile_mails(bank)
    assert [user for user, _, _ in mails] == [ada.id]  # bob did not opt in, cy's address is not verified
    _, text_body, html_body = mails[0]
    link = bank.settings.public_url.rstrip("/") + PROFILE_PATH
    assert link in text_body and f'href="{link}"' in html_body and "Hello Ada" in text_body
    profile = bank.profiles.latest(ada.id)
    assert profile is not None
    for secret in [profile["narrative"][:40], *(t["topic"] for t in profile["topics"])]:
        assert secret not in text_body and secret not in html_body  # nothing of the profile itself

    _profiled(bank, ada, bob)  # version 2
    assert relay(bank).notifications == 1 and relay(bank).notifications == 0
    assert [user for user, _, _ in _profile_mails(bank)] == [ada.id, ada.id]
    with bank.engine.connect() as conn:
        told = conn.execute(select(ProfileNotification.version, ProfileNotification.mail_id)).all()
    assert sorted(v for v, _ in told) == [1, 2] and all(m is not None for _, m in told)


def test_no_mail_for_an_old_profile_or_after_opting_out(bank: Container) -> None:
    ada, bob = _learner(bank, "ada"), _learner(bank, "bob")
    _profiled(bank, ada, bob)
    with bank.engine.begin() as conn:  # ada's profile was written two days ago
        conn.execute(
            update(OutboxMessage)
            .where(OutboxMessage.payload["learner_id"].astext == str(ada.id))
            .values(created_at=datetime.now(UTC) - timedelta(days=2))
        )
    learner_settings.update(bank, ada, notify_profile_ready=True)
    learner_settings.update(bank, bob, notify_profile_ready=True)
    learner_settings.update(bank, bob, notify_profile_ready=False)
    assert relay(bank).notifications == 0 and _profile_mails(bank) == []
