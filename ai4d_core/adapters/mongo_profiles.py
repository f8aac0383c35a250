"""Learner profiles in MongoDB (`profiles` collection): one document per learner per analysis, versioned."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database


class MongoProfileStore:
    def __init__(self, db: Database[dict[str, Any]], collection: str = "profiles") -> None:
        self._col = db[collection]

    def ensure_indexes(self) -> None:
        """Created by code, never by hand; idempotent."""
        self._col.create_index(
            [("learner_id", ASCENDING), ("version", DESCENDING)], unique=True, name="learner_version"
        )
        self._col.create_index([("provenance.source", ASCENDING)], name="provenance_source")

    def put(self, profile: dict[str, Any]) -> None:
        """Idempotent upsert on (learner_id, version): delivering the same profile twice stores it once."""
        key = {"learner_id": profile["learner_id"], "version": profile["version"]}
        self._col.replace_one(key, profile, upsert=True)

    def latest(self, learner_id: int) -> dict[str, Any] | None:
        return self._col.find_one({"learner_id": learner_id}, {"_id": 0}, sort=[("version", DESCENDING)])

    def history(self, learner_id: int) -> list[dict[str, Any]]:
        return list(self._col.find({"learner_id": learner_id}, {"_id": 0}).sort("version", ASCENDING))

    def delete_learner(self, learner_id: int) -> int:
        return int(self._col.delete_many({"learner_id": learner_id}).deleted_count)
