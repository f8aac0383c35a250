"""The auth pool: bounded, and below the event loop and page callbacks in CPU priority."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from dashboards import account_pages


def test_the_pool_has_at_most_one_thread_per_core() -> None:
    assert 1 <= account_pages.AUTH_WORKERS <= min(4, os.cpu_count() or 1)
    assert account_pages.auth_executor()._max_workers == account_pages.AUTH_WORKERS


@pytest.mark.skipif(sys.platform != "linux", reason="per-thread niceness is Linux's")
def test_pool_threads_run_at_lower_priority_and_the_caller_keeps_its_own() -> None:
    def niceness() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    mine = niceness()
    assert account_pages.auth_executor().submit(niceness).result() >= account_pages.AUTH_NICENESS
    assert niceness() == mine
