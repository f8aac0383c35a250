"""The privacy registry covers every table of the models that refers to a person, and erasure covers the registry."""

from __future__ import annotations

import pytest

from ai4d_core.adapters.sql import privacy as sql
from ai4d_core.adapters.sql.tables import Base
from ai4d_core.privacy.registry import NOT_PERSONAL, REGISTRY, USER_REFERENCE, StoreKind, of_kind, registered_columns
from ai4d_core.privacy.subject import MAX_EMAIL, PrivacyError, parse_identifier

pytestmark = pytest.mark.unit


def _user_columns_of_models() -> set[tuple[str, str]]:
    found = set()
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            refers = any(fk.column.table.name == "users" for fk in column.foreign_keys)
            if refers or USER_REFERENCE.search(column.name):
                found.add((table.name, column.name))
    return found


def test_every_model_column_that_refers_to_a_person_is_registered() -> None:
    found = _user_columns_of_models()
    missing = found - registered_columns(StoreKind.POSTGRESQL)
    print(f"checked {len(found)} person-referencing columns in {len(Base.metadata.tables)} model tables")
    assert len(found) >= 10
    assert missing == set()


def test_every_model_table_is_classified_and_registered_columns_exist() -> None:
    tables = set(Base.metadata.tables)
    personal = {s.name for s in of_kind(StoreKind.POSTGRESQL)}
    assert personal & set(NOT_PERSONAL) == set()
    assert tables - personal - set(NOT_PERSONAL) == set(), "classify the new table in ai4d_core/privacy/registry.py"
    assert personal <= tables
    for name, column in registered_columns(StoreKind.POSTGRESQL):
        root = column.split(".", 1)[0]
        assert root in Base.metadata.tables[name].columns, (name, column)


def test_export_and_erasure_cover_every_registered_table() -> None:
    personal = {s.name for s in of_kind(StoreKind.POSTGRESQL)}
    erased = set(sql.DELETE_ORDER) | {"cohorts", "cohort_invites", "audit_log", "users", "grades"}
    assert set(sql.WHERE) == personal
    assert erased == personal
    refs = [s.ref for s in REGISTRY]
    assert len(refs) == len(set(refs))
    assert {s.kind for s in REGISTRY} == set(StoreKind)
    assert all(s.holds and s.export and s.erase for s in REGISTRY)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("42", 42), (" Ada@Example.org ", "ada@example.org"), ("x" * 240 + "@example.org", "x" * 240 + "@example.org")],
)
def test_identifiers_are_ids_or_emails(text: str, expected: int | str) -> None:
    assert parse_identifier(text) == expected


@pytest.mark.parametrize("text", ["x" * MAX_EMAIL + "@example.org", "nobody", "", "12345678901234"])
def test_bad_identifiers_are_refused_cleanly(text: str) -> None:
    with pytest.raises(PrivacyError):
        parse_identifier(text)
