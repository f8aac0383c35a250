"""Profile analysis on real PostgreSQL and the MongoDB-wire server, through the outbox."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from ai4d_core.adapters.sql.tables import OutboxMessage
from ai4d_core.bootstrap import Container
from ai4d_core.domain.profile import Profile
from ai4d_core.services import analysis
from ai4d_core.services.demo import seed_demo
from ai4d_core.services.ingest import ingest_pending

pytestmark = pytest.mark.integration


@pytest.fixture
def ingested(clean: Container) -> Container:
    seed_demo(clean, learners=12, seed=3)
    ingest_pending(clean)
    return clean


def test_each_learner_with_responses_gets_a_complete_versioned_profile(ingested: Container) -> None:
    report = analysis.analyze_profiles(ingested)
    # learner 001 has no history; the 11 others each get version 1
    assert (report.analyzed, report.delivered, report.failed) == (11, 11, 0)
    stored = ingested.profiles.latest(ingested.users.by_email("learner002@demo.ai4d.example").id)  # type: ignore[union-attr]
    assert stored is not None
    profile = Profile.model_validate(stored)  # the stored document still fits the schema, every field present
    assert profile.version == 1 and profile.provenance.source == "rules"
    assert profile.topics and profile.learning_path and profile.next_steps and profile.narrative
    assert all(t.evidence for t in profile.topics)


def test_nothing_new_means_no_new_version(ingested: Container) -> None:
    analysis.analyze_profiles(ingested)
    again = analysis.analyze_profiles(ingested)
    assert (again.analyzed, again.delivered) == (0, 0)


def test_redelivering_the_outbox_does_not_duplicate_profiles(ingested: Container) -> None:
    analysis.analyze_profiles(ingested)
    with ingested.engine.begin() as conn:  # as if the relay died after writing to MongoDB, before marking
        conn.execute(update(OutboxMessage).values(delivered_at=None))
    delivered, _ = analysis.relay_outbox(ingested)
    assert delivered == 11
    assert ingested.mongo_db["profiles"].count_documents({}) == 11
    with ingested.engine.connect() as conn:
        assert conn.execute(select(func.count()).where(OutboxMessage.delivered_at.is_(None))).scalar_one() == 0


def test_new_attempts_make_a_new_version(ingested: Container) -> None:
    from ai4d_core.services.quiz import build_payload
    from ai4d_core.services.submissions import receive

    analysis.analyze_profiles(ingested)
    learner = ingested.users.by_email("learner002@demo.ai4d.example")
    assert learner is not None
    before = ingested.profiles.latest(learner.id)
    assert before is not None
    receive(ingested, learner.id, build_payload({"py-001": "a", "sql-001": "b"}), "test")
    ingest_pending(ingested)
    report = analysis.analyze_profiles(ingested)
    assert report.analyzed == 1
    history = ingested.profiles.history(learner.id)
    assert [p["version"] for p in history] == [1, 2]
    assert history[1]["provenance"]["evidence_to"] >= before["provenance"]["evidence_to"]
