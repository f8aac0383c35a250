"""The LLM answer cache: keyed by the SHA-256 of (model, prompt version, messages); PostgreSQL in production."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class CacheEntry:
    key: str
    model: str
    prompt_version: str
    content: str


class LlmCache(Protocol):
    def get_many(self, keys: Sequence[str]) -> dict[str, str]: ...
    def put_many(self, entries: Iterable[CacheEntry]) -> None: ...


def cache_key(model: str, prompt_version: str, messages: Sequence[Mapping[str, str]]) -> str:
    """The hash of what decides an answer: the model, the prompt's version and the exact messages."""
    canonical = json.dumps([model, prompt_version, list(messages)], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class MemoryCache:
    """An in-process `LlmCache` (unit tests, one-off scripts)."""

    def __init__(self) -> None:
        self.entries: dict[str, str] = {}

    def get_many(self, keys: Sequence[str]) -> dict[str, str]:
        return {k: self.entries[k] for k in keys if k in self.entries}

    def put_many(self, entries: Iterable[CacheEntry]) -> None:
        self.entries.update({e.key: e.content for e in entries})
