"""Profile analysis in batches: a rule-based profile for each learner with new attempts, delivered to
MongoDB through the outbox (so a crash between the two stores loses nothing and duplicates nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from ai4d_core.adapters.sql import analysis as sql
from ai4d_core.bootstrap import Container
from ai4d_core.domain.profile import analyze


@dataclass(frozen=True, slots=True)
class AnalysisReport:
    analyzed: int
    skipped: int
    delivered: int
    failed: int

    def __str__(self) -> str:
        return (
            f"{self.analyzed} profile(s) written, {self.skipped} skipped (raced), "
            f"{self.delivered} delivered to MongoDB, {self.failed} delivery failure(s)"
        )


def analyze_due(c: Container, limit: int | None = None) -> tuple[int, int]:
    """Write a new profile version for every due learner; returns (written, skipped)."""
    written = skipped = 0
    now = datetime.now(UTC)
    for learner in sql.due_learners(c.engine, limit):
        with c.engine.begin() as conn:
            evidence = sql.evidence_of(conn, learner.learner_id)
            profile = analyze(learner.learner_id, learner.last_version + 1, evidence, now)
            if sql.save_profile(conn, learner, profile.model_dump(mode="json")):
                written += 1
            else:
                skipped += 1
    return written, skipped


def relay_outbox(c: Container, batch: int = 500) -> tuple[int, int]:
    """Deliver queued profiles to MongoDB (idempotent upserts); returns (delivered, failed)."""
    delivered = failed = 0
    while messages := sql.undelivered(c.engine, "profile", batch):
        done = []
        for message_id, payload in messages:
            try:
                c.profiles.put(payload)
            except Exception as exc:  # recorded on the message, retried next run
                sql.mark_failed(c.engine, message_id, repr(exc))
                failed += 1
                continue
            done.append(message_id)
        if done:
            sql.mark_delivered(c.engine, done)
        delivered += len(done)
        if failed:
            break
    return delivered, failed


def analyze_profiles(c: Container, limit: int | None = None) -> AnalysisReport:
    written, skipped = analyze_due(c, limit)
    delivered, failed = relay_outbox(c)
    return AnalysisReport(written, skipped, delivered, failed)
