"""Run Alembic programmatically (serve, migrate, tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parents[2]
MIGRATION_LOCK = (0x50464C45, 2)  # namespace 'PFLE' (leader 1, migrations 2); change stamps use their own (migration 0007)


def alembic_config(database_url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade_to_head(database_url: str) -> None:
    """On PostgreSQL under a transaction-level advisory lock: hosts started together (each `serve`
    migrates first) take turns, and the later ones find the schema already at head."""
    cfg = alembic_config(database_url)
    if not database_url.startswith("postgresql"):
        command.upgrade(cfg, "head")
        return
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k1, :k2)"), {"k1": MIGRATION_LOCK[0], "k2": MIGRATION_LOCK[1]})
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    finally:
        engine.dispose()
