"""What the review queue reads of the MongoDB `profiles` collection: per learner, the latest version and the
number of the latest version the LLM wrote (one aggregation for any number of learners); one version by number."""

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
    latest: dict[str, Any]  # the latest version's document (without `_id`)


class MongoProfileReviewReader:
    def __init__(self, db: Database[dict[str, Any]], collection: str = "profiles") -> None:
        self._col = db[collection]

    def heads(self, learner_ids: Collection[int]) -> dict[int, ProfileHead]:
        ids = sorted(learner_ids)
        if not ids:
            return {}
        # One pass: a queue of hundreds of learners read a version per learner, one round trip each, before.
        rows = self._col.aggregate([
            {"$match": {"learner_id": {"$in": ids}}},
            {"$sort": {"learner_id": 1, "version": -1}},
            {"$group": {
                "_id": "$learner_id", "latest": {"$first": "$$ROOT"},
                "llm_version": {"$max": {"$cond": [{"$eq": ["$provenance.source", "llm"]}, "$version", None]}},
            }},
        ])  # fmt: skip
        heads = {}
        for row in rows:
            latest = {k: v for k, v in row["latest"].items() if k != "_id"}
            llm = row.get("llm_version")
            heads[int(row["_id"])] = ProfileHead(
                int(row["_id"]), int(latest["version"]), latest.get("provenance") or {},
                None if llm is None else int(llm), latest,
            )  # fmt: skip
        return heads

    def version(self, learner_id: int, version: int) -> dict[str, Any] | None:
        return self._col.find_one({"learner_id": learner_id, "version": version}, {"_id": 0})
