"""The alembic migrations build exactly the schema of the models, and go down and up again."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from ai4d_cli.embedded import MigratedPostgres
from ai4d_core.adapters.sql import migrate
from ai4d_core.adapters.sql.tables import Base

pytestmark = pytest.mark.integration


def test_migrations_match_the_models_and_round_trip(pg: MigratedPostgres) -> None:
    url = pg.create_database("ai4d_migrations")  # owned by the app's non-superuser role
    migrate.upgrade(url)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
        migrate.downgrade(url, "base")
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
        migrate.upgrade(url)
        tables = set(inspect(engine).get_table_names())
        print(f"checked {len(Base.metadata.tables)} tables")
        assert set(Base.metadata.tables) <= tables
    finally:
        engine.dispose()
