"""Shared fixtures: the real embedded services, started once per test session.

- `pg` (`pg_port`): embedded PostgreSQL, migrated, reached as the app's non-superuser role `ai4d` (scram);
- `mongo_url` (`mongo_port`): the MongoDB-wire server on a free port, with --auth, as the app's SCRAM user;
- `settings`: a `Settings` pointing at them, with its own var dir (DuckDB warehouse, logs);
- `container`: the composition root on those settings; `clean` empties every store before a test;
- `bank`: the demo item bank loaded into PostgreSQL.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ai4d_cli import embedded
from ai4d_cli.credentials import MONGO_APP, CredentialStore
from ai4d_core.adapters.sql.tables import Base
from ai4d_core.bootstrap import Container
from ai4d_core.settings import Environment, Settings

# Property tests on a busy machine (CI runs them after the browser tests): generation time is no failure (the
# too_slow health check is about the machine, not the code), and a failure prints the blob that reproduces it.
hypothesis_settings.register_profile(
    "ai4d", deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("ai4d")

# Tell Prefect not to phone home and keep its state under the test session's folder.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


@pytest.fixture(scope="session")
def services_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("services")


MONGO_TEST_DB = "ai4d_test"


@pytest.fixture(scope="session")
def pg(services_dir: Path) -> Iterator[embedded.MigratedPostgres]:
    """The session's PostgreSQL; `pg.url` is the app role's, `pg.create_database` makes another one."""
    with embedded.migrated_postgres(services_dir) as postgres:
        yield postgres


@pytest.fixture(scope="session")
def pg_port(pg: embedded.MigratedPostgres) -> int:
    return pg.port


@pytest.fixture(scope="session")
def mongo_url(services_dir: Path) -> Iterator[str]:
    """The app user's URL on a MongoDB-wire server started with --auth (readWrite on the test database only)."""
    store = CredentialStore.of(services_dir)
    port = embedded.free_port()
    proc = embedded.start_mongo(services_dir / "mongo", port, services_dir / "log" / "mongo.log", store, MONGO_TEST_DB)
    try:
        yield embedded.mongo_url(port, store.get(MONGO_APP))
    finally:
        embedded.stop(proc)


@pytest.fixture(scope="session")
def mongo_port(mongo_url: str) -> int:
    return int(mongo_url.split("@127.0.0.1:", 1)[1].split("/", 1)[0])


@pytest.fixture(scope="session")
def settings(pg: embedded.MigratedPostgres, mongo_url: str, services_dir: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        env=Environment.TEST,
        var_dir=services_dir / "var",
        database_url=pg.url,
        mongo_url=mongo_url,
        mongo_db=MONGO_TEST_DB,
    )


@pytest.fixture(scope="session")
def container(settings: Settings) -> Iterator[Container]:
    with Container(settings) as c:
        yield c


def _empty_stores(c: Container) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    for attempt in range(1, 6):
        # A served dashboard left by a browser test can still be writing (a session's last touch, a periodic
        # refresh); TRUNCATE locks the tables one by one, so the two can deadlock and PostgreSQL then ends one.
        try:
            with c.engine.begin() as conn:
                conn.execute(text(f"truncate {tables} restart identity cascade"))
            break
        except DBAPIError as exc:
            if not isinstance(exc.orig, psycopg.errors.DeadlockDetected) or attempt == 5:
                raise
    for name in c.mongo_db.list_collection_names():
        c.mongo_db[name].delete_many({})
    c.settings.warehouse_path.unlink(missing_ok=True)


@pytest.fixture
def clean(container: Container) -> Container:
    """The container, with PostgreSQL, MongoDB and the warehouse emptied first."""
    _empty_stores(container)
    return container


@pytest.fixture
def bank(clean: Container) -> Container:
    """A clean container with the demo item bank loaded."""
    from ai4d_core.item_bank import load_demo_items

    clean.items.upsert(load_demo_items())
    return clean


@pytest.fixture(scope="session", autouse=True)
def _prefect_logs_to_the_real_stderr() -> None:
    """Prefect binds its console log handler to the `sys.stderr` of the moment its logging is set up; set it up
    now, before a `CliRunner` test swaps stderr for a buffer that it closes afterwards (later flow runs would
    then fail writing their logs)."""
    from prefect.logging.configuration import setup_logging

    setup_logging()


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[None]:
    """A real Prefect API (the harness' temporary server), started once per session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def service_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Point the `AI4D_*` environment at the test services, for code that loads settings itself (flows)."""
    for name, value in {
        "AI4D_ENV": "test",
        "AI4D_VAR_DIR": str(settings.var_dir),
        "AI4D_DATABASE_URL": settings.database_url,
        "AI4D_MONGO_URL": settings.mongo_url,
        "AI4D_MONGO_DB": settings.mongo_db,
    }.items():
        monkeypatch.setenv(name, str(value))
    return settings
