"""Learner events in MongoDB (`activity` collection): one document per fact, `_id` = "<kind>:<key>"."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database
from pymongo.errors import BulkWriteError

from ai4d_core.domain.activity import ActivityEvent

MAX_RECENT = 1000
DUPLICATE_KEY = 11000


class MongoActivityStore:
    def __init__(self, db: Database[dict[str, Any]], collection: str = "activity") -> None:
        self._col = db[collection]

    def ensure_indexes(self) -> None:
        """Created by code, never by hand; idempotent."""
        self._col.create_index([("learner_id", ASCENDING), ("at", DESCENDING)], name="learner_at")
        self._col.create_index([("kind", ASCENDING)], name="kind")

    def upsert(self, events: Sequence[ActivityEvent]) -> int:
        """Store the events not stored yet (each by its id); returns how many were new. An event is a fact:
        relaying it again (or two relays at once) stores it once and leaves the first copy as it is."""
        if not events:
            return 0
        new = list({e.id: {"_id": e.id, **e.document()} for e in events}.values())
        try:
            return len(self._col.insert_many(new, ordered=False).inserted_ids)
        except BulkWriteError as exc:  # stored before (a re-read, or another relay at the same time)
            if any(error.get("code") != DUPLICATE_KEY for error in exc.details.get("writeErrors", [])):
                raise
            return int(exc.details.get("nInserted", 0))

    def recent(self, learner_id: int, limit: int = 50) -> list[ActivityEvent]:
        """The learner's latest events, newest first (at most `limit`, capped at 1000)."""
        limit = max(1, min(int(limit), MAX_RECENT))
        docs = self._col.find({"learner_id": learner_id}).sort([("at", DESCENDING), ("_id", DESCENDING)])
        return [ActivityEvent.from_document(doc) for doc in docs.limit(limit)]

    def delete_learner(self, learner_id: int) -> int:
        return int(self._col.delete_many({"learner_id": learner_id}).deleted_count)
