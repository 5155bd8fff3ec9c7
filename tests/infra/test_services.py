"""The test services are really there (PostgreSQL 15, Meilisearch, Chromium) and usable."""

from __future__ import annotations

import httpx
import psycopg

from tests.services import psycopg_url


def test_postgres_answers(postgres_url: str) -> None:
    assert postgres_url.startswith("postgresql+psycopg://")
    assert "@127.0.0.1:" in postgres_url
    with psycopg.connect(psycopg_url(postgres_url)) as conn:
        version = conn.execute("select version()").fetchone()[0]
        server_version = conn.execute("show server_version_num").fetchone()[0]
    assert version.startswith("PostgreSQL 15"), version
    assert 150000 <= int(server_version) < 160000


def test_fresh_postgres_database_is_empty_and_separate(postgres_url: str, fresh_postgres_url: str) -> None:
    assert fresh_postgres_url != postgres_url
    with psycopg.connect(psycopg_url(fresh_postgres_url)) as conn:
        tables = conn.execute(
            "select count(*) from information_schema.tables where table_schema = 'public'"
        ).fetchone()[0]
        conn.execute("create table probe (id int primary key)")
        conn.commit()
    assert tables == 0


def test_meili_health_and_auth(meili) -> None:
    url, key = meili
    assert url.startswith("http://127.0.0.1:")
    with httpx.Client(base_url=url, headers={"Accept-Encoding": "identity"}, timeout=10) as client:
        health = client.get("/health")
        assert health.status_code == 200
        assert health.json() == {"status": "available"}
        assert client.get("/indexes").status_code == 401  # a master key is set
        version = client.get("/version", headers={"Authorization": f"Bearer {key}"})
        assert version.status_code == 200
        assert version.json()["pkgVersion"] == "1.21.0"


def test_chromium_renders_a_page(page) -> None:
    # `page` comes from tests/services.py: Playwright's sync API driving Debian's Chromium
    # (executable_path=TEST_CHROMIUM, args=CHROMIUM_ARGS); no browser is ever downloaded.
    page.goto("data:text/html,<title>probe</title><button onclick=\"this.textContent='ok'\">go</button>")
    assert page.title() == "probe"
    page.click("button")
    assert page.text_content("button") == "ok"
    assert page.context.browser.version.split(".")[0].isdigit()
