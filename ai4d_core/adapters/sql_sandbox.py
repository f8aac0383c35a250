"""The SQL sandbox (DESIGN §5): learners' queries run on an item's fixture in a throwaway in-memory DuckDB.

Each call opens a fresh `:memory:` database whose configuration is locked from the start: no file, network
or extension access (`enable_external_access`, no extension autoload/autoinstall, no community or unsigned
extensions), one thread, a memory limit. The fixture's setup may only create and fill tables (CREATE, INSERT,
UPDATE, DELETE, ALTER, DROP); the learner's query must be exactly one SELECT (WITH, VALUES, FROM-first,
DESCRIBE... are SELECTs to DuckDB), anything else (PRAGMA, SET, COPY, ATTACH, INSTALL/LOAD, CALL, EXPLAIN,
CREATE...) is refused with `QueryRefusedError`. The query runs under a time limit (a timer interrupts the
connection) and a row limit (at most `max_rows` rows are fetched). Failures come back as `QueryError` with a
reason for the learner: DuckDB's first message line for errors about their SQL (syntax, unknown table or
column, types), a fixed sentence otherwise, never a path, a setting or a stack. Reference results are cached
per (setup, reference query).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import duckdb

from ai4d_core.domain.result_sets import FixtureError, QueryError, QueryRefusedError, QuerySyntaxError, ResultSet

_LOCKED_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "allow_community_extensions": False,
    "allow_unsigned_extensions": False,
    "threads": 1,
    "lock_configuration": True,
}
_SETUP_STATEMENTS = {"CREATE", "INSERT", "UPDATE", "DELETE", "ALTER", "DROP"}
# Errors about the learner's own SQL, whose first line helps them and reveals nothing of the server.
_ABOUT_THE_QUERY = (
    duckdb.ParserException,
    duckdb.CatalogException,
    duckdb.BinderException,
    duckdb.ConversionException,
    duckdb.OutOfRangeException,
    duckdb.TypeMismatchException,
    duckdb.NotImplementedException,
)
_MAX_REASON_CHARS = 300


class DuckDBSandbox:
    """A `QueryRunner` (see `ai4d_core.domain.scoring`) over DuckDB; safe to share between threads."""

    def __init__(
        self, *, max_rows: int = 1000, timeout_s: float = 2.0, memory_limit: str = "64MB", cache_size: int = 256
    ) -> None:
        self.max_rows = max_rows
        self.timeout_s = timeout_s
        self.memory_limit = memory_limit
        self._cached_reference = lru_cache(maxsize=cache_size)(self._run_reference)

    def run(self, setup_sql: str, query: str) -> ResultSet:
        """Run the learner's `query` on a fresh copy of the fixture."""
        with self._fixture(setup_sql) as conn:
            try:
                statements = conn.extract_statements(query)
            except duckdb.ParserException as exc:
                raise QuerySyntaxError(self._reason(exc)) from None
            except duckdb.Error as exc:
                raise QueryError(self._reason(exc)) from None
            if len(statements) != 1:
                raise QueryRefusedError("give exactly one SQL query" if statements else "the answer has no SQL query")
            if statements[0].type != duckdb.StatementType.SELECT:
                raise QueryRefusedError("only a SELECT query (possibly starting with WITH) is allowed")
            try:
                with self._time_limit(conn):
                    return self._fetch(conn, query)
            except duckdb.Error as exc:
                raise QueryError(self._reason(exc)) from None

    def reference(self, setup_sql: str, query: str) -> ResultSet:
        """Run an item's reference query (cached); `FixtureError` if it fails or is not a SELECT."""
        return self._cached_reference(setup_sql, query)

    def _run_reference(self, setup_sql: str, query: str) -> ResultSet:
        try:
            return self.run(setup_sql, query)
        except (QueryError, QueryRefusedError) as exc:
            raise FixtureError(f"the reference query fails: {exc}") from None

    @contextmanager
    def _fixture(self, setup_sql: str) -> Iterator[duckdb.DuckDBPyConnection]:
        config: dict[str, str | bool | int | float | list[str]] = {**_LOCKED_CONFIG, "memory_limit": self.memory_limit}
        with duckdb.connect(":memory:", config=config) as conn:
            try:
                others = {s.type.name for s in conn.extract_statements(setup_sql)} - _SETUP_STATEMENTS
                if others:
                    raise FixtureError(f"the fixture may only create and fill tables, not {', '.join(sorted(others))}")
                with self._time_limit(conn):
                    conn.execute(setup_sql)
            except duckdb.Error as exc:
                raise FixtureError(f"the fixture fails: {str(exc).splitlines()[0]}") from None
            yield conn

    def _fetch(self, conn: duckdb.DuckDBPyConnection, query: str) -> ResultSet:
        cursor = conn.execute(query)
        description = cursor.description or []
        rows = cursor.fetchmany(self.max_rows + 1)
        if len(rows) > self.max_rows:
            raise QueryError(f"the query returns more than {self.max_rows} rows")
        return ResultSet(
            columns=tuple(str(d[0]) for d in description),
            types=tuple(str(d[1]) for d in description),
            rows=tuple(tuple(row) for row in rows),
        )

    @contextmanager
    def _time_limit(self, conn: duckdb.DuckDBPyConnection) -> Iterator[None]:
        timer = threading.Timer(self.timeout_s, _interrupt, args=(conn,))
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()
            timer.join()  # never close the connection while the timer interrupts it

    def _reason(self, exc: duckdb.Error) -> str:
        if isinstance(exc, duckdb.InterruptException):
            return f"the query took longer than {self.timeout_s:g} s"
        if isinstance(exc, duckdb.OutOfMemoryException):
            return "the query needs more memory than the sandbox allows"
        if isinstance(exc, duckdb.PermissionException):
            return "the query needs files, network or extensions, which the sandbox does not allow"
        if isinstance(exc, _ABOUT_THE_QUERY):
            lines = str(exc).strip().splitlines()
            return (lines[0] if lines else type(exc).__name__)[:_MAX_REASON_CHARS]
        return "the query failed to run"


def _interrupt(conn: duckdb.DuckDBPyConnection) -> None:
    with contextlib.suppress(duckdb.Error):  # the connection closed meanwhile: nothing to interrupt
        conn.interrupt()
