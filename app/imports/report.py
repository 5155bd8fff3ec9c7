"""Who runs an import, what it tells while it reads, and what it answers at the end."""

from __future__ import annotations

import getpass
import socket
from dataclasses import dataclass, field
from typing import Any

from app.auth.keys import Principal


@dataclass(frozen=True)
class Actor:
    """Who runs an import: an API key, or the command line (an operator with database access)."""

    name: str
    role: str
    key_id: int | None = None
    channel: str = "api"

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        return cls(name=principal.name, role=principal.role.value, key_id=principal.key_id, channel="api")

    @classmethod
    def cli(cls) -> Actor:
        try:
            user = getpass.getuser()
        except (KeyError, OSError):
            user = "?"
        return cls(name=f"ligne de commande ({user}@{socket.gethostname()})"[:200], role="admin", channel="cli")


@dataclass(frozen=True)
class Progress:
    """Handed to the `progress` callback now and then while the feed is read."""

    bytes_read: int
    actions: int
    phase: str  # "stage" | "publish"


@dataclass
class ImportReport:
    """The answer of `POST /v1/imports/lheo` and of `parcours-fle import-lheo`."""

    source: str
    mode: str
    dry_run: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    skipped: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)
    rejected_total: int = 0
    warnings_total: int = 0
    import_id: int | None = None
    duration_ms: int = 0
    publish_ms: int | None = None
    bytes_read: int = 0
    version: str | None = None

    def counts(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "withdrawn": self.withdrawn, "skipped": self.skipped, "rejected": self.rejected_total,
                "warnings": self.warnings_total}

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "withdrawn": self.withdrawn, "skipped": self.skipped, "rejected": self.rejected,
            "warnings": self.warnings, "import_id": self.import_id, "duration_ms": self.duration_ms,
            "dry_run": self.dry_run, "mode": self.mode, "source": self.source, "version": self.version,
            "rejected_total": self.rejected_total, "warnings_total": self.warnings_total,
            "publish_ms": self.publish_ms, "bytes_read": self.bytes_read,
        }
