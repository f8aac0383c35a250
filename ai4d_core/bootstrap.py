"""The composition root: builds engines, clients and stores from `Settings`, on demand.

Nothing here runs at import time. An entry point (CLI, flow task, dashboard session) calls
:func:`bootstrap` and passes the `Container` down; each client is made on first use and closed by `close()`.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from ai4d_core.settings import Settings, load_settings

if TYPE_CHECKING:
    from pymongo import MongoClient
    from pymongo.database import Database
    from sqlalchemy import Engine

    from ai4d_core.adapters.duckdb_warehouse import DuckDBWarehouse
    from ai4d_core.adapters.mongo_activity import MongoActivityStore
    from ai4d_core.adapters.mongo_profiles import MongoProfileStore
    from ai4d_core.adapters.sql.items import SqlItemStore
    from ai4d_core.adapters.sql.quiz_sessions import SqlQuizSessionStore
    from ai4d_core.adapters.sql.users import SqlUserStore
    from ai4d_core.adapters.sql_sandbox_process import IsolatedSandbox
    from ai4d_core.llm.client import LlmClient


class Container:
    """Lazily built clients and stores for one process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def engine(self) -> Engine:
        from sqlalchemy import create_engine

        return create_engine(self.settings.sqlalchemy_url, pool_pre_ping=True, pool_size=5, max_overflow=5)

    @cached_property
    def mongo_client(self) -> MongoClient[dict[str, object]]:
        from pymongo import MongoClient

        return MongoClient(self.settings.effective_mongo_url, tz_aware=True, serverSelectionTimeoutMS=10_000)

    @property
    def mongo_db(self) -> Database[dict[str, object]]:
        return self.mongo_client[self.settings.mongo_db]

    @cached_property
    def users(self) -> SqlUserStore:
        from ai4d_core.adapters.sql.users import SqlUserStore

        return SqlUserStore(self.engine)

    @cached_property
    def items(self) -> SqlItemStore:
        from ai4d_core.adapters.sql.items import SqlItemStore

        return SqlItemStore(self.engine)

    @cached_property
    def quiz_sessions(self) -> SqlQuizSessionStore:
        """Learners' quiz sessions, their answers and the raw submissions they write (one transaction each)."""
        from ai4d_core.adapters.sql.quiz_sessions import SqlQuizSessionStore

        return SqlQuizSessionStore(self.engine)

    @cached_property
    def profiles(self) -> MongoProfileStore:
        from ai4d_core.adapters.mongo_profiles import MongoProfileStore

        store = MongoProfileStore(self.mongo_db)
        store.ensure_indexes()
        return store

    @cached_property
    def activity(self) -> MongoActivityStore:
        """Learner events relayed from PostgreSQL (`services.activity`)."""
        from ai4d_core.adapters.mongo_activity import MongoActivityStore

        events = MongoActivityStore(self.mongo_db)
        events.ensure_indexes()
        return events

    @cached_property
    def sql_sandbox(self) -> IsolatedSandbox:
        """Runs learners' SQL answers: a fresh locked-down in-memory DuckDB per answer, in capped workers."""
        from ai4d_core.adapters.sql_sandbox_process import IsolatedSandbox

        return IsolatedSandbox()

    @cached_property
    def warehouse(self) -> DuckDBWarehouse:
        from ai4d_core.adapters.duckdb_warehouse import DuckDBWarehouse

        return DuckDBWarehouse(self.settings.warehouse_path)

    @cached_property
    def llm(self) -> LlmClient | None:
        """The LLM client with its PostgreSQL cache, or None when no LLM is configured (fallbacks apply)."""
        if self.settings.llm_base_url is None:
            return None
        from ai4d_core.adapters.sql.generation import SqlLlmCache
        from ai4d_core.llm.client import LlmClient

        return LlmClient.from_settings(self.settings, cache=SqlLlmCache(self.engine))

    def close(self) -> None:
        """Dispose of whatever was built."""
        if "engine" in self.__dict__:
            self.engine.dispose()
        if "mongo_client" in self.__dict__:
            self.mongo_client.close()
        if "sql_sandbox" in self.__dict__:
            self.sql_sandbox.close()
        built = (
            "engine", "mongo_client", "users", "items", "quiz_sessions", "profiles", "activity", "warehouse", "llm",
        )  # fmt: skip
        for name in (*built, "sql_sandbox"):
            self.__dict__.pop(name, None)

    def __enter__(self) -> Container:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def bootstrap(settings: Settings | None = None) -> Container:
    """The one place that turns settings into a container (reads the environment only if not given)."""
    return Container(settings or load_settings())
