"""Learner profiles in MongoDB (`profiles` collection): one document per learner per analysis, versioned.

A version, once stored, is never replaced: a later analysis writes the next version, so the history of
what each learner was told (and by which writer) stays as it was.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database

# The fields `ability_history` reads: enough for a chart of ability over time, without the texts.
ABILITY_FIELDS = {
    "_id": 0, "version": 1, "provenance.generated_at": 1, "provenance.source": 1,
    "topics.topic": 1, "topics.ability": 1, "topics.se": 1,
}  # fmt: skip


class MongoProfileStore:
    def __init__(self, db: Database[dict[str, Any]], collection: str = "profiles") -> None:
        self._col = db[collection]

    def ensure_indexes(self) -> None:
        """Created by code, never by hand; idempotent."""
        self._col.create_index(
            [("learner_id", ASCENDING), ("version", DESCENDING)], unique=True, name="learner_version"
        )
        self._col.create_index([("provenance.source", ASCENDING)], name="provenance_source")
        self._col.create_index([("provenance.generated_at", ASCENDING)], name="provenance_generated_at")

    def put(self, profile: dict[str, Any]) -> bool:
        """Store a new version; True if it was new. Delivering a version again (a retried relay) changes
        nothing: the first stored copy of (learner_id, version) stays."""
        key = {"learner_id": profile["learner_id"], "version": profile["version"]}
        rest = {k: v for k, v in profile.items() if k not in key and k != "_id"}
        result = self._col.update_one(key, {"$setOnInsert": rest}, upsert=True)
        return result.upserted_id is not None

    def latest(self, learner_id: int) -> dict[str, Any] | None:
        return self._col.find_one({"learner_id": learner_id}, {"_id": 0}, sort=[("version", DESCENDING)])

    def history(self, learner_id: int) -> list[dict[str, Any]]:
        """Every version, oldest first."""
        return list(self._col.find({"learner_id": learner_id}, {"_id": 0}).sort("version", ASCENDING))

    def ability_history(self, learner_id: int) -> list[dict[str, Any]]:
        """Per version, oldest first: `version`, `generated_at` (aware datetime or None), `source` and
        `topics` (`topic`, `ability`, `se` each): what a chart of ability over time needs, nothing more."""
        docs = self._col.find({"learner_id": learner_id}, ABILITY_FIELDS).sort("version", ASCENDING)
        return [_ability_point(doc) for doc in docs]

    def delete_learner(self, learner_id: int) -> int:
        return int(self._col.delete_many({"learner_id": learner_id}).deleted_count)


def _ability_point(doc: dict[str, Any]) -> dict[str, Any]:
    provenance = doc.get("provenance") or {}
    topics = [
        {"topic": str(t["topic"]), "ability": float(t["ability"]), "se": float(t["se"])}
        for t in doc.get("topics") or ()
        if "topic" in t and "ability" in t and "se" in t
    ]
    return {
        "version": int(doc["version"]),
        "generated_at": _as_datetime(provenance.get("generated_at")),
        "source": provenance.get("source"),
        "topics": topics,
    }


def _as_datetime(value: object) -> datetime | None:
    """Profiles reach MongoDB as JSON, so the time is an ISO string; a BSON date stays a date (UTC if naive)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
