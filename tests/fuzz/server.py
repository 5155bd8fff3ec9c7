"""The server the fuzzing and its regression tests talk to: real uvicorn, SQLite, demo catalogue,
one key per role. Rate limits are raised (the fuzzer sends thousands of requests)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.auth.keys import create_key
from app.catalogue.demo import load_demo
from app.core.db import Database
from app.core.migrate import upgrade_to_head
from app.reference.roles import Role
from bench.live_server import LiveServer

SYNC_SOURCE = "carif-idf"
PROVIDER_SIRET = "36422961700048"  # publishes of-36422961700048 in the demo catalogue
ROLES: dict[str, dict[str, str]] = {
    "adviser": {"organisation": "France Travail Bobigny", "contact": "conseil@example.org"},
    "sync": {"source": SYNC_SOURCE},
    "provider": {"siret": PROVIDER_SIRET},
    "admin": {},
}
NO_RATE_LIMIT = {"RATE_LIMIT_ENABLED": "false"}  # the fuzzer sends thousands of requests with one key


@dataclass
class FuzzServer:
    server: LiveServer
    keys: dict[str, str]
    database_url: str

    @property
    def url(self) -> str:
        return self.server.url

    def log_tail(self, n: int = 4000) -> str:
        return self.server.stderr_tail(n)

    def stop(self) -> None:
        self.server.stop()


def start_fuzz_server(directory: Path, *, workers: int = 1) -> FuzzServer:
    url = f"sqlite:///{directory}/fuzz.db"
    upgrade_to_head(url)
    db = Database(url)
    try:
        load_demo(db)
        keys = {}
        with db.session(write=True) as s:
            for role, scope in ROLES.items():
                keys[role] = create_key(s, role=Role(role), name=f"fuzz {role}", **scope)[1]
    finally:
        db.dispose()
    server = LiveServer(url, workers=workers, env={**NO_RATE_LIMIT, "LOG_LEVEL": "ERROR"}).start()
    return FuzzServer(server=server, keys=keys, database_url=url)
