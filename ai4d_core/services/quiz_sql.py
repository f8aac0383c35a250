"""SQL questions in a quiz: the tables' schema and sample rows for the editor, and the learner's preview run.

Both run in the SQL sandbox (`Container.sql_sandbox`: locked-down in-memory DuckDB in capped workers). The
context's queries go through the sandbox's reference cache, so a question's context is computed once per
process. A preview runs the learner's own query on the item's fixture and returns its first `PREVIEW_ROWS`
rows or its error; it never runs or reveals the reference query.
"""

from __future__ import annotations

from ai4d_core.domain.feedback import json_value
from ai4d_core.domain.items import SqlQueryItem
from ai4d_core.domain.result_sets import QueryError, QueryRefusedError
from ai4d_core.domain.scoring import MAX_SQL_CHARS, QueryRunner
from ai4d_core.services.quiz_types import SqlContext, SqlPreview, SqlTable

SAMPLE_ROWS = 5
PREVIEW_ROWS = 20
_COLUMNS = (
    "SELECT table_name, column_name, data_type FROM information_schema.columns "
    "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position"
)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_context(runner: QueryRunner, item: SqlQueryItem) -> SqlContext:
    """Each table of the item's fixture: its columns and types, and its first `SAMPLE_ROWS` rows."""
    setup = item.fixture.setup_sql
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in runner.reference(setup, _COLUMNS).rows:
        columns.setdefault(str(table), []).append((str(column), str(kind)))
    tables = []
    for name, cols in columns.items():
        sample = runner.reference(setup, f"SELECT * FROM {_quoted(name)} LIMIT {SAMPLE_ROWS + 1}")  # noqa: S608
        rows = tuple(tuple(json_value(v) for v in row) for row in sample.rows[:SAMPLE_ROWS])
        tables.append(SqlTable(name, tuple(cols), rows, len(sample.rows) > SAMPLE_ROWS))
    return SqlContext(tuple(tables))


def preview(runner: QueryRunner, item: SqlQueryItem, query: str) -> SqlPreview:
    """The learner's `query` on the item's fixture: first rows, or the error in words."""
    if not isinstance(query, str) or not query.strip():
        return SqlPreview(error="Write a SQL query first.")
    if len(query) > MAX_SQL_CHARS:
        return SqlPreview(error=f"The query is longer than {MAX_SQL_CHARS:,} characters.")
    try:
        result = runner.run(item.fixture.setup_sql, query)
    except QueryError as exc:
        return SqlPreview(error=exc.reason)
    except QueryRefusedError as exc:
        return SqlPreview(error=str(exc))
    rows = tuple(tuple(json_value(v) for v in row) for row in result.rows[:PREVIEW_ROWS])
    return SqlPreview(result.columns, rows, len(result.rows) > PREVIEW_ROWS)


__all__ = ["PREVIEW_ROWS", "SAMPLE_ROWS", "preview", "sql_context"]
