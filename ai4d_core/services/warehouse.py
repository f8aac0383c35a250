"""Refreshing the analytics warehouse from PostgreSQL (one writer; build a new file, then swap)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from ai4d_core.adapters import warehouse_model
from ai4d_core.adapters.sql.extract import extract_csv
from ai4d_core.bootstrap import Container


@dataclass(frozen=True, slots=True)
class WarehouseReport:
    path: Path
    tables: dict[str, int]

    def __str__(self) -> str:
        counts = ", ".join(f"{name}={n}" for name, n in self.tables.items())
        return f"warehouse {self.path} rebuilt: {counts}"


def refresh_warehouse(c: Container) -> WarehouseReport:
    salt = c.settings.pseudonym_salt.get_secret_value()
    with tempfile.TemporaryDirectory(prefix="ai4d-extract-") as tmp:
        csvs = extract_csv(c.engine, Path(tmp))
        c.warehouse.rebuild(lambda conn: warehouse_model.build(conn, csvs, salt))
    counts = {
        t: int(c.warehouse.query(f'select count(*) as n from "{t}"')[0]["n"])  # noqa: S608 - names from the catalog
        for t in c.warehouse.tables()
    }
    return WarehouseReport(c.settings.warehouse_path, counts)
