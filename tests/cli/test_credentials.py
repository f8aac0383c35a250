"""Embedded services are closed to other local users: PostgreSQL, the MongoDB-wire server and the Prefect API
all refuse a client without the credentials made at first start (kept 0600 under the var folder)."""

from __future__ import annotations

import base64
import http.client
import json
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pymongo
import pytest
from pymongo.errors import OperationFailure

from ai4d_cli import embedded
from ai4d_cli.credentials import (
    MONGO_APP,
    POSTGRES_APP,
    POSTGRES_SUPERUSER,
    PREFECT_API,
    Credential,
    CredentialStore,
)
from ai4d_cli.services import prefect_server_command, prefect_server_env, venv_script, worker_env
from ai4d_core.settings import Settings

pytestmark = pytest.mark.cli


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- the store ---------------------------------------------------------------------------------------------


def test_credentials_are_made_once_kept_0600_in_a_0700_folder_and_reused(tmp_path: Path) -> None:
    store = CredentialStore.of(tmp_path)
    first = store.get(POSTGRES_APP)
    assert first.user == "ai4d" and len(first.password) >= 40
    assert first.password not in repr(first)
    assert _mode(store.folder) == 0o700
    assert _mode(store.path("postgres-ai4d")) == 0o600
    assert CredentialStore.of(tmp_path).get(POSTGRES_APP) == first, "re-used on later starts"
    assert store.get(POSTGRES_SUPERUSER).password != first.password
    store.remember("postgres-ai4d", provisioned=True)
    assert store.load("postgres-ai4d") == first and store.get(POSTGRES_APP).facts == {"provisioned": True}
    assert sorted(p.name for p in store.folder.iterdir()) == ["postgres-ai4d.json", "postgres-superuser.json"]


def test_a_loosened_credential_file_is_closed_again_on_read(tmp_path: Path) -> None:
    store = CredentialStore.of(tmp_path)
    store.get(MONGO_APP)
    store.path("mongo-ai4d").chmod(0o644)
    store.load("mongo-ai4d")
    assert _mode(store.path("mongo-ai4d")) == 0o600


def test_settings_build_the_embedded_urls_from_the_stored_credentials(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, var_dir=tmp_path, postgres_port=5555, mongo_port=27555)  # type: ignore[call-arg]
    assert settings.sqlalchemy_url == "postgresql+psycopg://ai4d@127.0.0.1:5555/ai4d"
    store = CredentialStore.of(tmp_path)
    pg, mongo = store.get(POSTGRES_APP), store.get(MONGO_APP)
    assert settings.sqlalchemy_url == embedded.postgres_url(5555, pg, "ai4d")
    assert settings.effective_mongo_url == embedded.mongo_url(27555, mongo)


def test_the_session_credentials_are_private_files(pg: embedded.MigratedPostgres, mongo_url: str) -> None:
    folder = CredentialStore.of(pg.root).folder
    files = sorted(folder.iterdir())
    print([f"{f.name} {oct(_mode(f))}" for f in files])
    assert _mode(folder) == 0o700
    assert {f.name for f in files} >= {"postgres-superuser.json", "postgres-ai4d.json", "mongo-ai4d.json"}
    assert all(_mode(f) == 0o600 for f in files)


# --- PostgreSQL --------------------------------------------------------------------------------------------


def _pg(pg: embedded.MigratedPostgres, user: str, password: str | None, host: str = "127.0.0.1") -> psycopg.Connection:
    return psycopg.connect(host=host, port=pg.port, user=user, password=password, dbname="ai4d", connect_timeout=10)


@pytest.mark.parametrize("user", ["ai4d", "postgres"])
def test_postgres_refuses_a_connection_without_a_password(pg: embedded.MigratedPostgres, user: str) -> None:
    with pytest.raises(psycopg.OperationalError, match="password"):
        _pg(pg, user, None)


@pytest.mark.parametrize("user", ["ai4d", "postgres"])
def test_postgres_refuses_a_wrong_password(pg: embedded.MigratedPostgres, user: str) -> None:
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        _pg(pg, user, "not-the-password")


def test_postgres_refuses_the_socket_without_a_password(pg: embedded.MigratedPostgres) -> None:
    with pytest.raises(psycopg.OperationalError, match="password"):
        _pg(pg, "postgres", None, host=str(pg.root / "postgres"))


def test_the_app_role_is_not_a_superuser_and_owns_its_database(pg: embedded.MigratedPostgres) -> None:
    with _pg(pg, pg.app.user, pg.app.password) as conn:
        row = conn.execute(
            """select r.rolsuper, r.rolcreaterole, r.rolcreatedb, d.datdba::regrole::text, n.nspowner::regrole::text
               from pg_roles r, pg_database d, pg_namespace n
               where r.rolname = current_user and d.datname = current_database() and n.nspname = 'public'"""
        ).fetchone()
        assert row == (False, False, False, "ai4d", "ai4d")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("create role intruder")


def test_pg_hba_allows_only_scram_on_loopback_and_the_socket(pg: embedded.MigratedPostgres) -> None:
    with _pg(pg, pg.superuser.user, pg.superuser.password) as conn:
        rules = conn.execute("select type, address, auth_method, error from pg_hba_file_rules").fetchall()
    print(rules)
    assert {rule[2] for rule in rules} == {"scram-sha-256"}
    assert {(rule[0], rule[1]) for rule in rules} == {("local", None), ("host", "127.0.0.1"), ("host", "::1")}
    assert all(rule[3] is None for rule in rules)


# --- MongoDB-wire ------------------------------------------------------------------------------------------


def _port_of(url: str) -> int:
    return int(url.split("@127.0.0.1:", 1)[1].split("/", 1)[0])


def test_mongo_without_credentials_refuses_a_command(mongo_url: str) -> None:
    client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(embedded.mongo_url(_port_of(mongo_url)))
    try:
        with pytest.raises(OperationFailure, match="requires authentication"):
            client["ai4d_test"].list_collection_names()
        with pytest.raises(OperationFailure):
            client["ai4d_test"]["profiles"].insert_one({"x": 1})
    finally:
        client.close()


def test_mongo_refuses_a_wrong_password_and_other_databases(mongo_url: str) -> None:
    port = _port_of(mongo_url)
    wrong: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(
        embedded.mongo_url(port, Credential("ai4d", "not-the-password"))
    )
    right: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(mongo_url)
    try:
        with pytest.raises(OperationFailure, match="authentication failed"):
            wrong["ai4d_test"].list_collection_names()
        right["ai4d_test"]["credential_probe"].insert_one({"ok": True})
        right["ai4d_test"]["credential_probe"].drop()
        with pytest.raises(OperationFailure, match="not authorized"):
            right["admin"]["system.users"].find_one()
        with pytest.raises(OperationFailure, match="not authorized"):
            right["other_db"]["x"].insert_one({"x": 1})
    finally:
        wrong.close()
        right.close()


# --- Prefect API -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A real `prefect server start` (SQLite) with the launcher's environment, on a free port."""
    var_dir = tmp_path_factory.mktemp("prefect-auth") / "var"
    settings = Settings(_env_file=None, var_dir=var_dir, prefect_port=embedded.free_port())  # type: ignore[call-arg]
    env = prefect_server_env(settings, embedded_postgres=False)
    var_dir.mkdir(parents=True, exist_ok=True)
    with (var_dir / "prefect-server.log").open("ab") as log:
        proc = subprocess.Popen(prefect_server_command(settings), env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        while _request(settings, "GET", "/api/health")[0] != 200:
            assert proc.poll() is None, (var_dir / "prefect-server.log").read_text()[-3000:]
            time.sleep(0.5)
        yield settings
    finally:
        embedded.stop(proc)


def _request(settings: Settings, method: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", settings.prefect_port, timeout=30)
    try:
        conn.request(method, path, body="{}" if method == "POST" else None,
                     headers={"Content-Type": "application/json", **(headers or {})})  # fmt: skip
        response = conn.getresponse()
        return response.status, response.read(300).decode(errors="replace")
    except OSError:
        return 0, ""
    finally:
        conn.close()


def _basic(auth: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(auth.encode()).decode()}


def test_prefect_api_without_the_auth_string_is_refused(prefect_server: Settings) -> None:
    assert _request(prefect_server, "GET", "/api/admin/version")[0] == 401
    assert _request(prefect_server, "GET", "/api/csrf-token?client=x")[0] == 401  # so no CSRF token either
    assert _request(prefect_server, "GET", "/api/admin/version", _basic("ai4d:wrong"))[0] == 401
    assert _request(prefect_server, "POST", "/api/flows/filter")[0] in (401, 403)
    assert _request(prefect_server, "GET", "/api/health") == (200, "true"), "the health probe stays open"


def test_prefect_api_with_the_auth_string_needs_a_csrf_token_too(prefect_server: Settings) -> None:
    auth = CredentialStore.of(prefect_server.var_dir).get(PREFECT_API).basic
    assert _request(prefect_server, "POST", "/api/flows/filter", _basic(auth))[0] == 403  # no CSRF token
    code, body = _request(prefect_server, "GET", "/api/csrf-token?client=probe", _basic(auth))
    assert code == 200, body
    csrf = {"Prefect-Csrf-Token": json.loads(body)["token"], "Prefect-Csrf-Client": "probe"}
    assert _request(prefect_server, "POST", "/api/flows/filter", {**_basic(auth), **csrf}) == (200, "[]")


def test_a_child_of_the_launcher_reaches_the_prefect_api(prefect_server: Settings) -> None:
    env = worker_env(prefect_server)
    assert env["PREFECT_API_AUTH_STRING"] == CredentialStore.of(prefect_server.var_dir).get(PREFECT_API).basic
    done = subprocess.run(
        [venv_script("prefect"), "work-pool", "create", "probe-pool", "--type", "process"],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    print(done.stdout[-2000:], done.stderr[-2000:])
    assert done.returncode == 0
    env.pop("PREFECT_API_AUTH_STRING")
    refused = subprocess.run([venv_script("prefect"), "work-pool", "ls"], env=env, capture_output=True, text=True)
    assert refused.returncode != 0
