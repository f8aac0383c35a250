"""The `ai4d/v1` submission payload, as the learner app's quiz, the demo and bulk uploads send it.

The quiz itself is a server-side session: `ai4d_core.services.quiz_sessions`.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime


def build_payload(
    answers: dict[str, object], submission_id: uuid.UUID | None = None, submitted_at: datetime | None = None
) -> bytes:
    """The `ai4d/v1` payload for a dict of item id -> answer."""
    body: dict[str, object] = {
        "format": "ai4d/v1",
        "submission_id": str(submission_id or uuid.uuid4()),
        "answers": [{"item_id": item_id, "answer": answer} for item_id, answer in answers.items()],
    }
    if submitted_at is not None:
        body["submitted_at"] = submitted_at.isoformat()
    return json.dumps(body).encode("utf-8")
