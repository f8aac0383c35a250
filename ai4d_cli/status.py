"""`var/run/status.json`: what `ai4d up` runs where; written by the launcher, read by `ai4d status`."""

from __future__ import annotations

import json
import os
import socket
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil


@dataclass
class ServiceEntry:
    """One service: `pid` is None when it is external (configured by URL, not started by us)."""

    name: str
    url: str
    port: int | None = None
    pid: int | None = None
    log: str | None = None
    host: str = "127.0.0.1"


@dataclass
class LauncherStatus:
    launcher_pid: int
    var_dir: str
    state: str = "starting"  # then "running"
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    services: list[ServiceEntry] = field(default_factory=list)

    def write(self, path: Path) -> None:
        """Replace the file atomically, so a reader never sees half of it."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2) + "\n")
        os.replace(tmp, path)

    @classmethod
    def read(cls, path: Path) -> LauncherStatus | None:
        try:
            raw: dict[str, Any] = json.loads(path.read_text())
            services = [ServiceEntry(**s) for s in raw.pop("services", [])]
            return cls(services=services, **raw)
        except (OSError, ValueError, TypeError, AttributeError):
            return None  # missing or unreadable: no launcher to speak of


def pid_alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False


def launcher_alive(status: LauncherStatus) -> bool:
    """The launcher named by the file still runs (and is an `ai4d` process, not a reused pid)."""
    if not pid_alive(status.launcher_pid):
        return False
    try:
        return "ai4d" in " ".join(psutil.Process(status.launcher_pid).cmdline())
    except psutil.Error:
        return False


def port_answers(port: int | None, host: str = "127.0.0.1", timeout: float = 1.0) -> bool:
    if port is None:
        return False
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def port_in_use(port: int) -> bool:
    """Something listens on loopback:`port` (a bind test, as the server would do with SO_REUSEADDR)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def service_up(entry: ServiceEntry) -> tuple[bool, str]:
    """Whether the service is up, and a one-line description for `ai4d status`."""
    answers = port_answers(entry.port, entry.host)
    if entry.pid is None:
        if entry.port is None:
            return True, "external, not checked"
        return answers, f"external, port {'answers' if answers else 'does not answer'}"
    alive = pid_alive(entry.pid)
    port_text = "" if entry.port is None else f", port {entry.port} {'answers' if answers else 'closed'}"
    up = alive and (entry.port is None or answers)
    return up, f"pid {entry.pid} {'alive' if alive else 'dead'}{port_text}"


__all__ = [
    "LauncherStatus",
    "ServiceEntry",
    "launcher_alive",
    "pid_alive",
    "port_answers",
    "port_in_use",
    "service_up",
]
