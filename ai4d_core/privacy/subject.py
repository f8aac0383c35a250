"""The person an export or erasure is about: every key their data can be found by."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

MAX_EMAIL = 254  # RFC 5321's limit on a forward path, and the column's width


class PrivacyError(ValueError):
    """A request that cannot be carried out (unknown user, bad identifier); `str()` is safe to show."""


@dataclass(frozen=True, slots=True)
class Subject:
    """A user's id, e-mail (lower case), warehouse pseudonym and the ids of their submissions and attempts.

    The attempt ids are collected before anything is deleted, so a scan after erasure can still look for
    rows (score suggestions) that only an attempt id links to them.
    """

    id: int
    email: str
    pseudonym: str
    attempt_ids: frozenset[uuid.UUID]


def warehouse_pseudonym(user_id: int, salt: str) -> str:
    """The warehouse's pseudonym of a user: as `warehouse_model.build` computes it in DuckDB."""
    return hashlib.sha256((salt + str(user_id)).encode("utf-8")).hexdigest()[:16]


def parse_identifier(text: str) -> int | str:
    """A user id (digits) or an e-mail address (lower-cased); refuses anything longer than an e-mail can be."""
    value = text.strip()
    if value.isdigit() and len(value) <= 10:
        return int(value)
    if len(value) > MAX_EMAIL:
        raise PrivacyError(f"an e-mail address has at most {MAX_EMAIL} characters")
    if "@" not in value:
        raise PrivacyError("give a user id or an e-mail address")
    return value.lower()
