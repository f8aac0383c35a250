"""The DuckDB analytics warehouse: one writer rebuilds it into a new file and swaps it in atomically;
every reader opens it read-only, per query (never DuckDB's global default connection)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import duckdb


class WarehouseMissingError(FileNotFoundError):
    """The warehouse has not been built yet."""


class DuckDBWarehouse:
    def __init__(self, path: Path) -> None:
        self.path = path

    def rebuild(self, build: Callable[[duckdb.DuckDBPyConnection], None]) -> None:
        """Run `build` on a fresh file next to the warehouse, then replace the warehouse with it.

        Readers that opened the old file keep reading it; new readers see the new one; nobody sees a
        half-built file. On error the old warehouse stays and the new file is removed.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=self.path.name + ".", suffix=".building", dir=self.path.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        tmp.unlink()  # DuckDB wants to create the file itself
        try:
            with duckdb.connect(str(tmp)) as conn:
                build(conn)
                conn.execute("checkpoint")
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)
            Path(str(tmp) + ".wal").unlink(missing_ok=True)

    def query(self, sql: str, params: Sequence[object] = ()) -> list[dict[str, Any]]:
        """Rows as dicts, from a read-only connection opened for this query."""
        if not self.path.exists():
            raise WarehouseMissingError(f"no warehouse at {self.path}: run the refresh-warehouse flow")
        with duckdb.connect(str(self.path), read_only=True) as conn:
            cursor = conn.execute(sql, list(params))
            names = [d[0] for d in cursor.description or []]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def tables(self) -> list[str]:
        return [r["table_name"] for r in self.query("select table_name from information_schema.tables order by 1")]
