"""What the review queue reads of the MongoDB `profiles` collection: per learner, the latest version's provenance
and the latest version the LLM wrote; one profile version by number. Two aggregations for any number of learners."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from pymongo.database import Database


@dataclass(frozen=True, slots=True)
class ProfileHead:
    learner_id: int
    version: int
    provenance: dict[str, Any]
    llm_version: int | None  # the newest version written by the LLM, if any


class MongoProfileReviewReader:
    def __init__(self, db: Database[dict[str, Any]], collection: str = "profiles") -> None:
        self._col = db[collection]

    def heads(self, learner_ids: Collection[int]) -> dict[int, ProfileHead]:
        ids = sorted(learner_ids)
        if not ids:
            return {}
        latest = self._col.aggregate([
            {"$match": {"learner_id": {"$in": ids}}},
            {"$sort": {"learner_id": 1, "version": -1}},
            {"$group": {
                "_id": "$learner_id", "version": {"$first": "$version"}, "provenance": {"$first": "$provenance"},
            }},
        ])  # fmt: skip
        by_llm = self._col.aggregate([
            {"$match": {"learner_id": {"$in": ids}, "provenance.source": "llm"}},
            {"$group": {"_id": "$learner_id", "version": {"$max": "$version"}}},
        ])  # fmt: skip
        llm = {int(row["_id"]): int(row["version"]) for row in by_llm}
        return {
            int(row["_id"]): ProfileHead(
                int(row["_id"]), int(row["version"]), row["provenance"] or {}, llm.get(row["_id"])
            )
            for row in latest
        }

    def version(self, learner_id: int, version: int) -> dict[str, Any] | None:
        return self._col.find_one({"learner_id": learner_id, "version": version}, {"_id": 0})
