"""In-process limits for work a user can ask for repeatedly: a token bucket per key, and bounded slots.

- `RateLimiter`: each key (a user id) has a bucket of `capacity` tokens refilled at `per_second`; an action
  takes one token or is refused. With the quiz's `ANSWERS` (`services.quiz_sessions`), a learner may send 10
  answers at once, then one every 2 seconds. State lives in the serving process (one `panel serve`): a restart
  forgets it, which is acceptable for a limit meant to keep one learner from flooding the scorer.
- `Slots`: at most `n` callers inside at once; `try_acquire` never waits, so a full scorer answers "busy"
  instead of holding a server thread (the SQL sandbox has a few worker processes; see `SCORING`).

Both are thread-safe: the dashboards call them from Panel's callback threads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class RateLimiter:
    """A token bucket per key: `allow(key)` takes a token if one is left."""

    capacity: float
    per_second: float
    clock: Callable[[], float] = time.monotonic
    max_keys: int = 100_000
    _buckets: dict[object, _Bucket] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def allow(self, key: object) -> bool:
        """Take one token from `key`'s bucket; False (nothing taken) when it is empty."""
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= self.max_keys:
                    self._prune(now)
                bucket = self._buckets[key] = _Bucket(self.capacity, now)
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.per_second)
            bucket.updated = now
            if bucket.tokens < 1:
                return False
            bucket.tokens -= 1
            return True

    def retry_after(self, key: object) -> float:
        """Seconds until `key` has a token again (0 when it has one)."""
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                return 0.0
            tokens = min(self.capacity, bucket.tokens + (self.clock() - bucket.updated) * self.per_second)
            return max(0.0, (1 - tokens) / self.per_second)

    def reset(self) -> None:
        """Forget every bucket (tests, or an operator clearing limits)."""
        with self._lock:
            self._buckets.clear()

    def _prune(self, now: float) -> None:
        """Drop buckets that have refilled completely (they behave like new ones)."""
        self._buckets = {
            key: b for key, b in self._buckets.items() if b.tokens + (now - b.updated) * self.per_second < self.capacity
        }


class Slots:
    """At most `n` holders at once; `hold()` yields False instead of waiting when every slot is taken."""

    def __init__(self, n: int) -> None:
        self._semaphore = threading.BoundedSemaphore(n)

    @contextmanager
    def hold(self) -> Iterator[bool]:
        acquired = self._semaphore.acquire(blocking=False)
        try:
            yield acquired
        finally:
            if acquired:
                self._semaphore.release()


SCORING = Slots(4)  # submissions being scored at once in this process (Panel has 8 callback threads)

__all__ = ["SCORING", "RateLimiter", "Slots"]
