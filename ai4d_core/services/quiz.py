"""The learner's quiz: picking items and turning a submission into scored feedback."""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from datetime import datetime

from ai4d_core.bootstrap import Container
from ai4d_core.domain.items import Item
from ai4d_core.services.submissions import Bank, Receipt, receive

QUIZ_LENGTH = 9


@dataclass(frozen=True, slots=True)
class Feedback:
    item_id: str
    stem: str
    score: float
    explanation: str


def next_quiz(c: Container, learner_id: int, length: int = QUIZ_LENGTH, seed: int | None = None) -> list[Item]:
    """A quiz balanced across topics and levels (empty when no item is active yet).

    Adaptive selection by IRT comes with the learner model."""
    rng = random.Random(seed if seed is not None else f"{learner_id}:{uuid.uuid4()}")
    by_topic: dict[str, list[Item]] = {}
    for item in c.items.active():
        by_topic.setdefault(item.topic, []).append(item)
    quiz: list[Item] = []
    topics = sorted(by_topic)
    if not topics:
        return []
    rng.shuffle(topics)  # with more topics than questions, each quiz covers a different subset
    for index in range(length):
        pool = [i for i in by_topic[topics[index % len(topics)]] if i not in quiz]
        if pool:
            quiz.append(rng.choice(pool))
    return sorted(quiz, key=lambda item: (item.level, item.topic))


def build_payload(
    answers: dict[str, object], submission_id: uuid.UUID | None = None, submitted_at: datetime | None = None
) -> bytes:
    """The `ai4d/v1` payload for a dict of item id -> answer (what the learner app sends)."""
    body: dict[str, object] = {
        "format": "ai4d/v1",
        "submission_id": str(submission_id or uuid.uuid4()),
        "answers": [{"item_id": item_id, "answer": answer} for item_id, answer in answers.items()],
    }
    if submitted_at is not None:
        body["submitted_at"] = submitted_at.isoformat()
    return json.dumps(body).encode("utf-8")


def submit(c: Container, learner_id: int, raw: bytes, source: str = "learner-app") -> tuple[Receipt, list[Feedback]]:
    """Store and score a submission; feedback per answered item when it was accepted."""
    bank = Bank(c.items.active())
    receipt = receive(c, learner_id, raw, source, bank)
    feedback = [
        Feedback(a.item_id, bank.by_id[a.item_id].stem, a.score, bank.by_id[a.item_id].explanation)
        for a in receipt.scored
    ]
    return receipt, feedback
