"""Receiving submissions: validate at the door, keep every payload (rejected ones with their reason)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from ai4d_core.adapters.sql.submissions import SqlSubmissionStore, StoredSubmission
from ai4d_core.bootstrap import Container
from ai4d_core.domain import submissions as wire
from ai4d_core.domain.items import Item


@dataclass(frozen=True, slots=True)
class Receipt:
    """What the submitter is told: the stored submission, and the server's scores when it was valid."""

    submission: StoredSubmission
    scored: list[wire.ScoredAnswer] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.submission.status != "rejected"

    @property
    def total(self) -> float:
        return sum(a.score for a in self.scored)


@dataclass
class Bank:
    """The items a submission is checked against: latest versions by id, and by stem; `versions` every stored
    version by (id, version) when an answer may name an older one (None: only the latest are known)."""

    items: list[Item]
    versions: Mapping[tuple[str, int], Item] | None = None

    @cached_property
    def by_id(self) -> dict[str, Item]:
        return {item.id: item for item in self.items}

    @cached_property
    def by_stem(self) -> dict[str, Item]:
        return {wire.normalize_stem(item.stem): item for item in self.items}


def receive(c: Container, learner_id: int, raw: bytes, source: str, bank: Bank | None = None) -> Receipt:
    """Validate and score `raw`, then store it (pending if valid, rejected with the reason otherwise).

    The learner comes from the authenticated session, never from the payload. Sending the same submission
    twice stores it once: the second receipt is marked duplicate.
    """
    bank = bank or Bank(c.items.active())
    store = SqlSubmissionStore(c.engine)
    try:
        data = wire.decode(raw, c.settings.max_submission_bytes)
        submission = wire.parse(data, raw, bank.by_stem)
        scored = wire.score(submission, bank.by_id, c.sql_sandbox, bank.versions)
    except wire.SubmissionError as exc:
        key = f"{learner_id}:sha256:{hashlib.sha256(raw).hexdigest()}"
        return Receipt(
            store.record(
                idempotency_key=key, learner_id=learner_id, source=source, raw=raw, status="rejected", reason=str(exc)
            )
        )
    key = f"{learner_id}:{submission.submission_id}"
    stored = store.record(
        idempotency_key=key, learner_id=learner_id, source=source, raw=raw, status="pending", reason=None
    )
    return Receipt(stored, scored)
