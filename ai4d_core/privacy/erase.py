"""Erasing one person from every registered store, leaving an audit entry that names nobody.

Order: MongoDB documents, then one PostgreSQL transaction (the rows, the outbox messages still to deliver,
and the `user_erased` audit entry), MongoDB again (a relay that ran in between), the files, and last the
warehouse, rebuilt from PostgreSQL. A scan of every store closes the report.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from ai4d_core.adapters.sql import privacy as sql
from ai4d_core.bootstrap import Container
from ai4d_core.privacy import files
from ai4d_core.privacy.registry import REGISTRY, StoreKind, of_kind
from ai4d_core.privacy.scan import scan_subject
from ai4d_core.privacy.subject import Subject
from ai4d_core.services import audit
from ai4d_core.services.warehouse import refresh_warehouse

ERASED_EVENT = "user_erased"


@dataclass(frozen=True, slots=True)
class ErasureReport:
    """What was removed (per store), the reference recorded in the audit log, and what a scan still finds."""

    reference: str
    counts: dict[str, int]
    remaining: dict[str, int] = field(default_factory=dict)
    warehouse_error: str | None = None

    @property
    def complete(self) -> bool:
        return not any(self.remaining.values()) and self.warehouse_error is None

    def __str__(self) -> str:
        removed = sum(self.counts.values())
        left = {ref: n for ref, n in self.remaining.items() if n}
        tail = "nothing left in any store" if not left else f"STILL FOUND: {left}"
        if self.warehouse_error:
            tail += f"; warehouse not rebuilt ({self.warehouse_error}): run `ai4d flow run refresh-warehouse`"
        return f"erasure {self.reference}: {removed} row(s)/document(s)/line(s) removed or cleared; {tail}"


def _delete_documents(c: Container, s: Subject) -> dict[str, int]:
    return {
        store.ref: int(c.mongo_db[store.name].delete_many({store.user_columns[0]: s.id}).deleted_count)
        for store in of_kind(StoreKind.MONGODB)
    }


def erase_subject(c: Container, s: Subject, *, actor_id: int | None, source: str | None) -> ErasureReport:
    """Remove the person everywhere. `actor_id` is whoever asked (None for the person themself or the CLI)."""
    reference = "er_" + secrets.token_hex(8)
    counts = _delete_documents(c, s)
    with c.engine.begin() as conn:
        rows = sql.erase_rows(conn, s)
        counts |= {f"postgresql.{table}": n for table, n in rows.items()}
        audit.record(
            c, ERASED_EVENT, actor_id=actor_id, target_id=None, source=source, conn=conn,
            reference=reference, rows=sum(rows.values()), stores=len(REGISTRY),
        )  # fmt: skip
    for ref, n in _delete_documents(c, s).items():
        counts[ref] += n
    counts["files.logs"] = files.redact_logs(c.settings.var_dir, s.email)
    counts["files.mail_sink"] = files.delete_mail(c.settings.var_dir, s.email)
    warehouse_error = None
    try:
        refresh_warehouse(c)
    except Exception as exc:  # the rows are gone from PostgreSQL; the next refresh drops them from DuckDB
        warehouse_error = type(exc).__name__
    return ErasureReport(reference, counts, scan_subject(c, s), warehouse_error)
