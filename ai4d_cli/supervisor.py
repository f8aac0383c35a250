"""Child processes of `ai4d up`: start, watch, and stop them in reverse order with no orphan left.

Every child starts in its own session (so a terminal Ctrl-C reaches only the launcher, which then stops the
children in order) and is stopped by signalling its process group, then sweeping any descendant that left
the group (Prefect runs flows in their own session).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import psutil

log = logging.getLogger("ai4d")


class ShutdownRequested(Exception):  # noqa: N818 - a request, not an error
    """SIGINT or SIGTERM arrived: stop everything."""


class ChildDiedError(Exception):
    """A supervised child exited on its own."""


@dataclass
class Child:
    """One supervised process: a service (`port`, `url`) or a transient step (no port)."""

    name: str
    proc: subprocess.Popen[bytes]
    port: int | None = None
    url: str | None = None
    log_path: Path | None = None
    stop_signal: int = signal.SIGTERM
    signal_group: bool = True  # PostgreSQL takes its signal on the postmaster only
    stop_timeout: float = 20.0
    transient: bool = False  # a one-off step: its exit is not a failure of the platform


def _signal(pid: int, sig: int, group: bool) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig) if group else os.kill(pid, sig)


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        children: list[psutil.Process] = psutil.Process(pid).children(recursive=True)
        return children
    except psutil.Error:
        return []


def terminate(child: Child) -> None:
    """Stop one child: its signal, a wait, SIGKILL after its timeout, then sweep its group and descendants."""
    proc, timeout = child.proc, child.stop_timeout
    strays = _descendants(proc.pid)
    if proc.poll() is None:
        log.info("stopping %s (pid %d)", child.name, proc.pid)
        _signal(proc.pid, child.stop_signal, child.signal_group)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop within %.0f s: killing it", child.name, timeout)
            _signal(proc.pid, signal.SIGKILL, True)
            proc.wait()
    _signal(proc.pid, signal.SIGKILL, True)  # whatever is left in its process group
    alive = [p for p in strays if p.is_running()]
    for stray in alive:
        with contextlib.suppress(psutil.Error):
            stray.terminate()
    _, still = psutil.wait_procs(alive, timeout=5)
    for stray in still:
        with contextlib.suppress(psutil.Error):
            stray.kill()


class Supervisor:
    """Owns the children; turns SIGINT/SIGTERM into `ShutdownRequested` at the next check."""

    def __init__(self) -> None:
        self.children: list[Child] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def install_signal_handlers(self) -> None:
        def request_stop(signum: int, _frame: FrameType | None) -> None:
            log.info("received %s: shutting down", signal.Signals(signum).name)
            self._stop.set()

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def check(self) -> None:
        """Raise if a stop was requested or a supervised service died."""
        if self._stop.is_set():
            raise ShutdownRequested
        for child in self.services():
            code = child.proc.poll()
            if code is not None:
                raise ChildDiedError(
                    f"{child.name} (pid {child.proc.pid}) exited with code {code}; see {child.log_path}"
                )

    def sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.check()
            time.sleep(min(left, 0.2))
        self.check()

    def wait_until(self, ready: Callable[[], bool], what: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what} was not ready within {timeout:.0f} s")
            self.sleep(0.3)

    def adopt(self, child: Child) -> Child:
        with self._lock:
            self.children.append(child)
        return child

    def spawn(
        self, name: str, argv: Sequence[str], env: dict[str, str], log_path: Path, *,
        cwd: Path | None = None, port: int | None = None, url: str | None = None,
        stop_timeout: float = 20.0, transient: bool = False,
    ) -> Child:  # fmt: skip
        """Start `argv` in its own session with output appended to `log_path`."""
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as out:
            proc = subprocess.Popen(
                list(argv), env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )  # fmt: skip
        return self.adopt(
            Child(name, proc, port=port, url=url, log_path=log_path, stop_timeout=stop_timeout, transient=transient)
        )

    def run_step(
        self, name: str, argv: Sequence[str], env: dict[str, str], log_path: Path, timeout: float,
        cwd: Path | None = None,
    ) -> None:  # fmt: skip
        """Run a one-off command to completion (supervised, interruptible); raise if it fails."""
        child = self.spawn(name, argv, env, log_path, cwd=cwd, stop_timeout=5, transient=True)
        try:
            deadline = time.monotonic() + timeout
            while child.proc.poll() is None:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{name} did not finish within {timeout:.0f} s; see {log_path}")
                self.sleep(0.2)
            if child.proc.returncode != 0:
                raise RuntimeError(f"{name} failed with code {child.proc.returncode}; see {log_path}")
        finally:
            terminate(child)
            self.forget(child)

    def forget(self, child: Child) -> None:
        with self._lock:
            if child in self.children:
                self.children.remove(child)

    def services(self) -> list[Child]:
        with self._lock:
            return [c for c in self.children if not c.transient]

    def stop_all(self) -> None:
        """Stop every child, newest first; further signals are ignored meanwhile."""
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        while True:
            with self._lock:
                if not self.children:
                    return
                child = self.children.pop()
            terminate(child)


__all__ = ["Child", "ChildDiedError", "ShutdownRequested", "Supervisor", "terminate"]
