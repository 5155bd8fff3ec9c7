"""Migrations reach head on empty SQLite and PostgreSQL, and the models match them (alembic check)."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect

from app.core.migrate import alembic_config, upgrade_to_head


def _check(url: str) -> None:
    upgrade_to_head(url)
    tables = set(inspect(create_engine(url)).get_table_names())
    assert {"offer", "session", "organisation", "offer_funder", "offer_sector", "offer_public", "api_key",
            "idempotency_record", "catalogue_state", "alembic_version"} <= tables
    command.check(alembic_config(url))  # raises when models and migrations differ
    upgrade_to_head(url)  # idempotent


def test_migrations_sqlite(tmp_path):
    _check(f"sqlite:///{tmp_path}/m.db")


def test_migrations_postgres(fresh_postgres_url):
    _check(fresh_postgres_url)
