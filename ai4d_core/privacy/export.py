"""Everything AI4D holds about one person, store by store (every store of the registry), as JSON."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from ai4d_core.adapters.sql import privacy as sql
from ai4d_core.bootstrap import Container
from ai4d_core.privacy import files
from ai4d_core.privacy.registry import REGISTRY, PersonalStore, StoreKind
from ai4d_core.privacy.subject import Subject

FORMAT = "ai4d-privacy-export/1"
ANOTHER = "another account"


def export_subject(c: Container, s: Subject) -> dict[str, Any]:
    """A document with one entry per registered store (`<kind>.<name>`: its rows for the person)."""
    stores: dict[str, list[dict[str, Any]]] = {}
    with c.engine.connect() as conn:
        conn.exec_driver_sql("set transaction isolation level repeatable read, read only")
        for store in REGISTRY:
            if store.kind is StoreKind.POSTGRESQL:
                stores[store.ref] = _postgres_rows(store, sql.rows_of(conn, store.name, s), s)
        conn.rollback()
    warehouse_tables = set(c.warehouse.tables()) if c.warehouse.path.exists() else set()
    for store in REGISTRY:
        if store.kind is StoreKind.MONGODB:
            field = store.user_columns[0]
            stores[store.ref] = list(c.mongo_db[store.name].find({field: s.id}, {"_id": 0}).sort("_id", 1))
        elif store.kind is StoreKind.WAREHOUSE:
            stores[store.ref] = (
                c.warehouse.query(f'select * from "{store.name}" where learner = ? order by all', [s.pseudonym])  # noqa: S608 - registry names
                if store.name in warehouse_tables
                else []
            )
        elif store.ref == "files.logs":
            stores[store.ref] = files.log_lines(c.settings.var_dir, s.email)
        elif store.ref == "files.mail_sink":
            stores[store.ref] = files.mail_messages(c.settings.var_dir, s.email)
    return {
        "format": FORMAT,
        "exported_at": datetime.now(UTC),
        "user_id": s.id,
        "warehouse_pseudonym": s.pseudonym,
        "stores": {ref: stores[ref] for ref in sorted(stores)},
        "about": {store.ref: {"holds": store.holds, "included": store.export} for store in REGISTRY},
    }


def _postgres_rows(store: PersonalStore, rows: list[dict[str, Any]], s: Subject) -> list[dict[str, Any]]:
    if store.name == "audit_log":
        for row in rows:
            for column in ("actor_id", "target_id"):
                if row[column] is not None:
                    row[column] = "you" if row[column] == s.id else ANOTHER
            if row["actor_id"] != "you":
                row["source"] = None  # someone else's address
    elif store.name in ("responses", "quiz_answers"):
        for row in rows:  # an open response not graded yet has no score: say so rather than leave it blank
            row["status"] = "awaiting review" if row["score"] is None else "scored"
    elif store.name == "grades":
        for row in rows:
            if row["grader_id"] is not None:
                row["grader_id"] = "you" if row["grader_id"] == s.id else ANOTHER
    elif store.name == "profile_review_requests":
        for row in rows:
            if row["resolved_by"] is not None:
                row["resolved_by"] = "you" if row["resolved_by"] == s.id else ANOTHER
    elif store.name == "mail_outbox":
        for row in rows:
            row["text_body"] = files.redact_tokens(row["text_body"])
            row["html_body"] = files.redact_tokens(row["html_body"])
    return rows


def _default(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value) if isinstance(value, uuid.UUID) else float(value)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)  # e.g. a MongoDB ObjectId


def to_json(document: dict[str, Any]) -> str:
    """The export as indented JSON (times in ISO 8601, ids as strings)."""
    return json.dumps(document, default=_default, ensure_ascii=False, indent=2)
