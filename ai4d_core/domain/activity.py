"""Learner events for the `activity` history: one per SQL fact, identified by "<kind>:<key>" so that relaying
the same fact twice stores it once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, get_args

Kind = Literal["quiz_started", "answered", "badge_earned", "profile_written", "graded"]
KINDS: tuple[str, ...] = get_args(Kind)


@dataclass(frozen=True, slots=True)
class ActivityEvent:
    """Something a learner did or got: `key` is unique within its kind (a session id, "<session>:<position>")."""

    kind: Kind
    key: str
    learner_id: int
    at: datetime
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.key}"

    def document(self) -> dict[str, Any]:
        """The MongoDB document (without `_id`)."""
        return {"learner_id": self.learner_id, "kind": self.kind, "at": self.at, "data": self.data}

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> ActivityEvent:
        kind, key = str(doc["_id"]).split(":", 1)
        if kind not in KINDS:
            raise ValueError(f"unknown activity kind {kind!r}")
        return cls(kind, key, int(doc["learner_id"]), doc["at"], dict(doc.get("data") or {}))  # type: ignore[arg-type]


__all__ = ["KINDS", "ActivityEvent", "Kind"]
