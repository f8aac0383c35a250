"""Ingest submitted answers exactly once: validate, score, load responses, quarantine bad submissions.

An open response is loaded ungraded (score NULL) with the rules' rubric score as its `suggested_score`: it
counts once an educator grades it (`services.grading`).

Each batch is one transaction holding the responses, the submissions' new statuses and a ledger row, so a run
killed at any moment and run again loses nothing and duplicates nothing; the responses' natural key
(attempt, item) is the last guard.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ai4d_core.adapters.sql.ingest_batches import (
    AcceptedAttempt,
    BatchCounts,
    PendingSubmission,
    batch_id_of,
    open_batch,
)
from ai4d_core.adapters.sql.learner_status import account_states
from ai4d_core.adapters.sql.response_loader import ResponseRow
from ai4d_core.bootstrap import Container
from ai4d_core.domain import submissions as wire
from ai4d_core.domain.items import Item, OpenResponseItem
from ai4d_core.services.submissions import Bank

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    batches: list[BatchCounts] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return sum(b.n_accepted for b in self.batches)

    @property
    def rejected(self) -> int:
        return sum(b.n_rejected for b in self.batches)

    @property
    def responses(self) -> int:
        return sum(b.n_responses for b in self.batches)

    def __str__(self) -> str:
        return (
            f"{len(self.batches)} batch(es): {self.accepted} accepted, {self.rejected} rejected, "
            f"{self.responses} responses loaded"
        )


def _latest_versions(c: Container) -> Bank:
    """Every item's latest version, retired ones included: an answer given before retirement still counts."""
    versions = c.items.all_versions()
    latest: dict[str, Item] = {}
    for (item_id, _version), item in sorted(versions.items()):
        latest[item_id] = item
    return Bank(list(latest.values()), versions)


def _answered_at(claimed: datetime | None, received: datetime) -> datetime:
    """The client's time if plausible (within the year before receipt), else the server's receipt time."""
    if claimed is None or claimed.tzinfo is None or not received - timedelta(days=365) <= claimed <= received:
        return received
    return claimed


def _awaits_review(bank: Bank, answer: wire.ScoredAnswer) -> bool:
    """An open response is graded by an educator: its rubric score is only the rules' suggestion."""
    item = (bank.versions or {}).get((answer.item_id, answer.item_version)) or bank.by_id[answer.item_id]
    return isinstance(item, OpenResponseItem)


NOT_A_LEARNER = "the submitting account is not an active learner"
DISABLED = "the submitting account is disabled"


def _check_and_score(
    c: Container, sub: PendingSubmission, states: dict[int, tuple[str, bool]], bank: Bank
) -> AcceptedAttempt:
    """The attempt a pending submission holds; `SubmissionError` says why it cannot be accepted."""
    learner = sub.learner_id
    role, active = states.get(learner, ("", False)) if learner is not None else ("", False)
    if learner is None or role != "learner":
        raise wire.SubmissionError(NOT_A_LEARNER)
    if not active:
        raise wire.SubmissionError(DISABLED)
    raw = sub.payload.encode("utf-8")
    if sub.size_bytes != len(raw):
        raise wire.SubmissionError("stored payload is truncated; the original was too large")
    parsed = wire.parse(wire.decode(raw, c.settings.max_submission_bytes), raw, bank.by_stem)
    scored = wire.score(parsed, bank.by_id, c.sql_sandbox, bank.versions)
    when = _answered_at(parsed.submitted_at, sub.received_at)
    rows = [
        ResponseRow(sub.id, a.item_id, a.item_version, learner, a.answer_json, None, when, a.presentation, a.score)
        if _awaits_review(bank, a)
        else ResponseRow(sub.id, a.item_id, a.item_version, learner, a.answer_json, a.score, when, a.presentation)
        for a in scored
    ]
    return AcceptedAttempt(sub.id, learner, when, rows)


def ingest_pending(c: Container, batch_size: int | None = None, max_batches: int | None = None) -> IngestReport:
    """Load every pending submission, batch by batch, until none is left (or `max_batches` ran).

    Each submission is accepted or rejected on its own: an unexpected error in one rejects that one (with the
    error's type as its reason, and a log entry) and the batch goes on.
    """
    bank = _latest_versions(c)
    size = batch_size or c.settings.ingest_batch_size
    report = IngestReport()
    while max_batches is None or len(report.batches) < max_batches:
        with open_batch(c.engine) as batch:
            pending = batch.claim(size)
            if not pending:
                break
            states = account_states(c.engine, {p.learner_id for p in pending if p.learner_id is not None})
            accepted: list[AcceptedAttempt] = []
            rejected: dict[uuid.UUID, str] = {}
            for sub in pending:
                try:
                    accepted.append(_check_and_score(c, sub, states, bank))
                except wire.SubmissionError as exc:
                    rejected[sub.id] = str(exc)
                except Exception as exc:  # one bad row never stops a batch
                    log.exception("submission %s: unexpected %s while validating", sub.id, type(exc).__name__)
                    rejected[sub.id] = f"internal error while validating: {type(exc).__name__}"
            report.batches.append(batch.commit(batch_id_of([p.id for p in pending]), accepted, rejected))
    return report
