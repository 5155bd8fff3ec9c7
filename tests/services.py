"""pytest plugin: the external services a test may need (PostgreSQL, Meilisearch, Chromium).

Loaded from tests/conftest.py with ``pytest_plugins = ["tests.services"]``. ``scripts/test.sh``
starts throwaway servers on loopback and exports:

- ``TEST_DATABASE_URL``  ``postgresql+psycopg://postgres:<pw>@127.0.0.1:<port>/parcours_test``
- ``TEST_MEILI_URL`` / ``TEST_MEILI_KEY``  Meilisearch base URL and master key
- ``TEST_CHROMIUM``  path of Debian's Chromium, for Playwright's ``executable_path``

Policy (``require_or_skip``): when a service is missing the test is skipped locally, but fails
when ``CI=true`` — in CI every test that needs a service must really run.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from typing import NamedTuple
from urllib.parse import urlsplit, urlunsplit

import pytest

# Arguments for Debian's Chromium here: root needs --no-sandbox; the machine has no network, so
# Chromium's own background connections are turned off.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def require_or_skip(name: str, reason: str) -> None:
    """Skip the current test because ``name`` is unavailable — or fail it when CI=true."""
    message = f"{name} unavailable: {reason}"
    if in_ci():
        pytest.fail(
            f"{message} (CI=true: tests that need {name} must run; use scripts/test.sh)", pytrace=False
        )
    pytest.skip(message)


# --------------------------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------------------------
def psycopg_url(url: str) -> str:
    """``postgresql+psycopg://...`` (SQLAlchemy) → ``postgresql://...`` (libpq / psycopg)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql"))


def with_database(url: str, dbname: str) -> str:
    """The same server URL pointing at another database (scheme kept)."""
    return urlunsplit(urlsplit(url)._replace(path="/" + dbname))


def _admin_connect(url: str):
    import psycopg

    return psycopg.connect(psycopg_url(with_database(url, "postgres")), autocommit=True, connect_timeout=10)


def create_database(url: str) -> str:
    """CREATE an empty database on the server of ``url``; return its URL (same scheme)."""
    from psycopg import sql

    name = "t_" + secrets.token_hex(6)
    with _admin_connect(url) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return with_database(url, name)


def drop_database(url: str) -> None:
    """DROP the database of ``url``, closing any connection still open on it."""
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    with _admin_connect(url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """SQLAlchemy URL of the test database (``postgresql+psycopg://...``); shared by the session."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url:
        require_or_skip("PostgreSQL", "TEST_DATABASE_URL is not set")
    import psycopg

    try:
        with psycopg.connect(psycopg_url(url), connect_timeout=10) as conn:
            conn.execute("select 1")
    except psycopg.OperationalError as exc:
        pytest.fail(f"TEST_DATABASE_URL is set but PostgreSQL does not answer: {exc}", pytrace=False)
    return url


@pytest.fixture(scope="session")
def postgres_database_factory(postgres_url: str) -> Iterator[Callable[[], str]]:
    """A callable returning the URL of a new empty database; all are dropped at session end.

    For other scopes, pair ``create_database`` / ``drop_database`` in your own fixture.
    """
    created: list[str] = []

    def make() -> str:
        url = create_database(postgres_url)
        created.append(url)
        return url

    yield make
    for url in created:
        drop_database(url)


@pytest.fixture
def fresh_postgres_url(postgres_url: str) -> Iterator[str]:
    """A new empty PostgreSQL database for one test (e.g. to run migrations from scratch)."""
    url = create_database(postgres_url)
    yield url
    drop_database(url)


@pytest.fixture(scope="module")
def fresh_postgres_url_module(postgres_url: str) -> Iterator[str]:
    """A new empty PostgreSQL database shared by the tests of one module."""
    url = create_database(postgres_url)
    yield url
    drop_database(url)


# --------------------------------------------------------------------------------------------
# Meilisearch
# --------------------------------------------------------------------------------------------
class MeiliServer(NamedTuple):
    url: str
    key: str

    @property
    def headers(self) -> dict[str, str]:
        # identity: httpx's gzip/brotli negotiation made larger answers ~20x slower on loopback.
        return {"Authorization": f"Bearer {self.key}", "Accept-Encoding": "identity"}


@pytest.fixture(scope="session")
def meili() -> MeiliServer:
    """The throwaway Meilisearch server: ``url, key = meili`` (``key`` is the master key)."""
    url = os.environ.get("TEST_MEILI_URL", "")
    key = os.environ.get("TEST_MEILI_KEY", "")
    if not url or not key:
        require_or_skip("Meilisearch", "TEST_MEILI_URL / TEST_MEILI_KEY are not set")
    return MeiliServer(url.rstrip("/"), key)


# --------------------------------------------------------------------------------------------
# Chromium
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of Debian's Chromium (TEST_CHROMIUM, else /usr/bin/chromium when present)."""
    path = os.environ.get("TEST_CHROMIUM", "")
    if not path and os.path.exists("/usr/bin/chromium"):
        path = "/usr/bin/chromium"
    if not path:
        require_or_skip("Chromium", "TEST_CHROMIUM is not set and /usr/bin/chromium is missing")
    if not os.access(path, os.X_OK):
        require_or_skip("Chromium", f"{path} is not an executable file")
    return path


@pytest.fixture(scope="module")
def browser(chromium_path: str):
    """A Playwright (sync API) Chromium browser for one test module; never downloads a browser.

    Module-scoped on purpose: while Playwright's sync API is running, its event loop counts as
    running in this thread, so ``asyncio.run()`` (and a second ``sync_playwright()``) fail there.
    Keep browser tests in their own modules and use this fixture (or ``page``) in them.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    """A fresh browser context and page for one test."""
    context = browser.new_context()
    try:
        yield context.new_page()
    finally:
        context.close()
