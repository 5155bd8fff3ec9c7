"""Shared fixtures: the app on SQLite and on PostgreSQL, API keys per role."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient

from app.auth.keys import create_key
from app.core.migrate import upgrade_to_head
from app.core.settings import Settings
from app.main import create_app
from app.reference.roles import Role
from tests.services import create_database, drop_database

pytest_plugins = ["tests.services"]

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
_counter = itertools.count(1)


def unique(prefix: str = "x") -> str:
    return f"{prefix}{next(_counter)}"


@pytest.fixture(scope="module", params=BACKENDS)
def database_url(request, tmp_path_factory) -> Iterator[str]:
    """An empty database migrated to head, on each backend (one per test module)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db')}/test.db"
        upgrade_to_head(url)
        yield url
        return
    server = request.getfixturevalue("postgres_url")
    url = create_database(server)
    upgrade_to_head(url)
    yield url
    drop_database(url)


@dataclass
class Api:
    """A TestClient plus helpers to mint keys of each role."""

    client: TestClient
    app: object
    _keys: dict = field(default_factory=dict)

    def key(self, role: str, **scope) -> str:
        cache_key = (role, tuple(sorted(scope.items())))
        if cache_key not in self._keys:
            with self.app.state.database.session(write=True) as s:
                _, key = create_key(s, role=Role(role), name=f"test {role}", **scope)
            self._keys[cache_key] = key
        return self._keys[cache_key]

    def auth(self, role: str, **scope) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key(role, **scope)}"}

    def __getattr__(self, name):  # get/post/put/... straight to the client
        return getattr(self.client, name)


def make_settings(database_url: str, **overrides) -> Settings:
    # In-server expiry and rate limits are off in tests unless a test turns them on (tests/security/).
    overrides = {"expire_interval_seconds": 0, "rate_limit_enabled": False, **overrides}
    return Settings(database_url=database_url, secret_key="test-secret", _env_file=None, **overrides)


def wait_warm(app, timeout: float = 60.0) -> None:
    """Wait for the app's start-up builds (as a load balancer waits for /readyz 200)."""
    from app.api.ops import warmed

    deadline = time.monotonic() + timeout
    while not warmed(app):
        assert time.monotonic() < deadline, "start-up builds not done"
        time.sleep(0.01)


@pytest.fixture(scope="module")
def api(database_url: str) -> Iterator[Api]:
    app = create_app(make_settings(database_url))
    with TestClient(app, raise_server_exceptions=False) as client:
        wait_warm(app)
        yield Api(client=client, app=app)
    app.state.database.dispose()
