"""The SQL sandbox in worker processes with a hard memory cap: what serves learners' SQL answers.

DuckDB's `memory_limit` covers its buffer manager, not every allocation: one `repeat('x', 10^9)` takes a
gigabyte and cannot be interrupted. So learners' queries run in `DuckDBSandbox` inside worker processes
whose address space is capped (`RLIMIT_AS`): such an allocation fails at once and scores 0, and the serving
process is never at risk. A query that outlives the hard timeout (the sandbox's own timer interrupts first)
has its worker killed and replaced.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from functools import lru_cache
from typing import Any

from ai4d_core.adapters.sql_sandbox import DuckDBSandbox
from ai4d_core.domain.result_sets import QueryError, ResultSet

_worker_sandbox: DuckDBSandbox | None = None
WORKER_NICENESS = 10


def _start_worker(address_space_bytes: int, options: dict[str, Any]) -> None:
    global _worker_sandbox
    resource.setrlimit(resource.RLIMIT_AS, (address_space_bytes, address_space_bytes))
    os.nice(WORKER_NICENESS)  # learners' queries yield the CPU to the server that serves every page
    _worker_sandbox = DuckDBSandbox(**options)


def _call(method: str, setup_sql: str, query: str) -> ResultSet:
    assert _worker_sandbox is not None
    result: ResultSet = getattr(_worker_sandbox, method)(setup_sql, query)
    return result


class IsolatedSandbox:
    """A `QueryRunner` that runs `DuckDBSandbox` in capped worker processes; safe to share between threads."""

    def __init__(
        self, *, workers: int = 2, address_space_mb: int = 1536, hard_timeout_s: float = 15.0, **options: Any
    ) -> None:
        self._workers = workers
        self._limit = address_space_mb * 2**20
        self._hard_timeout_s = hard_timeout_s
        self._options = options
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._cached_reference = lru_cache(maxsize=256)(self._reference)

    def run(self, setup_sql: str, query: str) -> ResultSet:
        return self._submit("run", setup_sql, query)

    def reference(self, setup_sql: str, query: str) -> ResultSet:
        return self._cached_reference(setup_sql, query)

    def _reference(self, setup_sql: str, query: str) -> ResultSet:
        return self._submit("reference", setup_sql, query)

    def _submit(self, method: str, setup_sql: str, query: str) -> ResultSet:
        pool = self._ensure_pool()
        future = pool.submit(_call, method, setup_sql, query)
        try:
            return future.result(timeout=self._hard_timeout_s)
        except FutureTimeout:
            self._replace(pool)
            raise QueryError(f"the query took longer than {self._hard_timeout_s:g} s") from None
        except BrokenProcessPool:
            self._replace(pool)
            raise QueryError("the query needs more memory than the sandbox allows") from None

    def _ensure_pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=self._workers,
                    mp_context=multiprocessing.get_context("spawn"),  # never fork a threaded server
                    initializer=_start_worker,
                    initargs=(self._limit, self._options),
                )
            return self._pool

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        """Kill the workers of a pool that hangs or broke; the next call starts fresh ones."""
        with self._lock:
            if self._pool is broken:
                self._pool = None
        for process in list(getattr(broken, "_processes", {}).values()):
            process.kill()
        broken.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
