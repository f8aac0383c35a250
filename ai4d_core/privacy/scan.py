"""Counting what every registered store still holds of one person (by id, e-mail, attempt ids, pseudonym)."""

from __future__ import annotations

from ai4d_core.adapters.sql import privacy as sql
from ai4d_core.bootstrap import Container
from ai4d_core.privacy import files
from ai4d_core.privacy.registry import REGISTRY, StoreKind
from ai4d_core.privacy.subject import Subject


def scan_subject(c: Container, s: Subject) -> dict[str, int]:
    """Rows, documents, lines or messages of the person, per registered store."""
    found: dict[str, int] = {}
    with c.engine.connect() as conn:
        for store in REGISTRY:
            if store.kind is StoreKind.POSTGRESQL:
                found[store.ref] = sql.count_of(conn, store.name, s)
    tables = set(c.warehouse.tables()) if c.warehouse.path.exists() else set()
    for store in REGISTRY:
        if store.kind is StoreKind.MONGODB:
            found[store.ref] = int(c.mongo_db[store.name].count_documents({store.user_columns[0]: s.id}))
        elif store.kind is StoreKind.WAREHOUSE:
            query = f'select count(*) as n from "{store.name}" where learner = ?'  # noqa: S608 - registry names
            found[store.ref] = int(c.warehouse.query(query, [s.pseudonym])[0]["n"]) if store.name in tables else 0
        elif store.ref == "files.logs":
            found[store.ref] = len(files.log_lines(c.settings.var_dir, s.email))
        elif store.ref == "files.mail_sink":
            found[store.ref] = len(files.mail_messages(c.settings.var_dir, s.email))
    return found
