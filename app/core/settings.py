"""All settings, from the environment (and `.env`). One class; passed to `create_app(settings)`."""

from __future__ import annotations

import hashlib
from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./parcours-fle.db",
        description="SQLAlchemy URL. SQLite file in the working directory by default; "
        "postgresql+psycopg://user:pass@host/db in production.",
    )
    meili_url: str | None = Field(default=None, description="Meilisearch URL; unset = embedded engine.")
    meili_key: str | None = Field(default=None, description="Meilisearch admin key (never the master key).")
    meili_index: str = "offers"
    public_catalogue: bool = Field(default=True, description="Anyone may read the catalogue without a key.")
    prescription_ttl_days: int = Field(default=10, ge=1, le=365)
    secret_key: str | None = Field(
        default=None,
        description="Signs pagination cursors. Unset: derived from DATABASE_URL (set it in production).",
    )
    tension_csv: Path | None = Field(default=None, description="Replaces the shipped métiers en tension list.")
    max_import_bytes: int = Field(default=200 * 1024 * 1024, ge=1024)
    import_workers: int | None = Field(
        default=None, ge=0, le=32,
        description="Processes mapping an LHÉO feed while the importer writes. Unset: one per CPU (at most 4) "
                    "for feeds of 8 MB or more; 0: map in the importing process.")
    max_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024, description="JSON request bodies.")
    log_level: str = "INFO"
    metrics_token: str | None = Field(default=None, description="When set, /metrics needs this bearer token.")
    cors_origins: list[str] = Field(default_factory=list)
    expire_interval_seconds: int = Field(default=3600, ge=0, description="0 disables in-server expiry.")
    # Abuse limits (app/api/ratelimit.py, SECURITY.md).
    rate_limit_enabled: bool = Field(default=True, description="Off only for benchmarks and tests.")
    rate_limit_per_minute: int = Field(
        default=600, ge=1, description="Per API key: match, search, suggest and writes.")
    rate_limit_sync_per_minute: int = Field(
        default=6000, ge=1, description="The same for `sync` keys (offer by offer pushes).")
    rate_limit_anon_per_minute: int = Field(
        default=300, ge=1, description="Per client address: requests without a valid key.")
    rate_limit_file: Path | None = Field(
        default=None, description="SQLite file of the buckets, shared by the workers of a host; "
        "default: on PostgreSQL the database itself (shared by every host), on SQLite a file in the "
        "temporary directory, one per DATABASE_URL.")
    trusted_proxies: list[str] = Field(
        default_factory=list, description="Addresses or CIDR blocks of the reverse proxies whose "
        "X-Forwarded-For / X-Forwarded-Proto are believed.")

    @cached_property
    def cursor_key(self) -> bytes:
        seed = self.secret_key or f"parcours-fle-cursor:{self.database_url}"
        return hashlib.sha256(seed.encode()).digest()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
