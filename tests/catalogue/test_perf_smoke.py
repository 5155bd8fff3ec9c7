"""Perf smoke: the catalogue lists stay within a generous ratio of a trivial endpoint.

Not a benchmark (bench/ measures): a tripwire for the kind of regression that turns a page into a
scan — e.g. 0005's dropped index, where one page of `GET /v1/offers?departement=` cost 2.4 s at
50,000 sessions. The catalogue is 7,500 sessions copied in by SQL (a second), shaped so a scan
per offer costs ~10⁶ index steps per page while an indexed page costs ~10³ seeks: the offers with
sessions in the filtered département come last in the list's order, after 900 that have none. The ratio is
measured in this run against `/healthz` through the same client, so a slow machine moves both.
`test_the_smoke_catches_a_scan` puts the 0005 index back and checks the same bound trips.
"""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import SQLModel

from app.core.db import Database
from app.core.migrate import upgrade_to_head
from app.main import create_app
from tests.api.factories import offer_body, session_body
from tests.conftest import Api, make_settings

ORDINARY, RARE_AT_END = 900, 300  # offers: 5 sessions each elsewhere, then 10 each in RARE
RARE = "48"
# Small pages are a few times /healthz here; a scan per offer is hundreds of times. Generous on purpose.
MAX_RATIO = 60
FILTERS = [{"departement": RARE}, {"region": "76"}, {"funder": "ofii"}, {"sector": "btp"}, {"level": "A1"},
           {"departement": RARE, "funder": "ofii", "sector": "btp"}, {"modified_after": "2000-01-01T00:00:00Z"}]


def _fill(database) -> None:
    """Copies of one offer (and its session, funders, sectors) by SQL: fast, every column valid."""
    tables = SQLModel.metadata.tables
    offer_t, session_t = tables["offer"], tables["session"]
    with database.write_engine.begin() as conn:
        offer = dict(conn.execute(offer_t.select()).mappings().one())
        session = dict(conn.execute(session_t.select()).mappings().one())
        links = {name: [dict(r) for r in conn.execute(tables[name].select()).mappings()]
                 for name in ("offer_funder", "offer_sector", "offer_public")}
        base = offer["id"]
        offers, sessions, linked = [], [], {name: [] for name in links}
        for i in range(1, ORDINARY + RARE_AT_END + 1):
            oid = base + i
            offers.append({**offer, "id": oid, "external_id": f"SMOKE{i}"})
            rare = i > ORDINARY
            for k in range(10 if rare else 5):
                sessions.append({**session, "id": None, "offer_id": oid, "external_id": f"S{k}",
                                 "departement": RARE if rare else f"{10 + (i + k) % 30:02d}",  # never RARE
                                 "region": "76" if rare else "11"})
            for name, rows in links.items():
                linked[name] += [{**r, "offer_id": oid} for r in rows]
        for row in sessions:
            row.pop("id")
        conn.execute(offer_t.insert(), offers)
        conn.execute(session_t.insert(), sessions)
        for name, rows in linked.items():
            if rows:
                conn.execute(tables[name].insert(), rows)


def _fastest_ms(client: TestClient, path: str, params: dict | None = None) -> float:
    t = time.perf_counter()
    r = client.get(path, params=params)
    elapsed = (time.perf_counter() - t) * 1000
    assert r.status_code == 200, r.text
    return elapsed


def _ratios(url: str, rounds: int = 9) -> dict[str, float]:
    """Fastest of `rounds` for each page and for /healthz, taken in turns: a busy machine slows
    some calls, rarely all of them, and a scan is slow every time."""
    app = create_app(make_settings(url))
    with TestClient(app, raise_server_exceptions=False) as client:
        api = Api(client=client, app=app)
        body = offer_body(funders=["ofii"], sectors=["btp"], sessions=[session_body("S0")])
        assert api.put("/v1/offers/carif-smoke/T0", json=body, headers=api.auth("admin")).status_code == 201
        _fill(app.state.database)
        trivial, pages = [], {str(f): [] for f in FILTERS}
        for _ in range(rounds):
            trivial.append(_fastest_ms(client, "/healthz"))
            for f in FILTERS:
                pages[str(f)].append(_fastest_ms(client, "/v1/offers", {"limit": 2, **f}))
    app.state.database.dispose()
    floor = max(min(trivial), 0.05)
    return {f: min(times) / floor for f, times in pages.items()}


@pytest.fixture(scope="module")
def smoke_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('smoke')}/smoke.db"
    upgrade_to_head(url)
    return url


def test_catalogue_lists_within_a_ratio_of_a_trivial_endpoint(smoke_url):
    ratios = _ratios(smoke_url)
    slow = {f: round(r) for f, r in ratios.items() if r > MAX_RATIO}
    assert not slow, f"pages slower than {MAX_RATIO}× /healthz: {slow} (all: {ratios})"


def test_the_smoke_catches_a_scan(tmp_path):
    url = f"sqlite:///{tmp_path}/regressed.db"
    upgrade_to_head(url)
    broken = Database(url)
    with broken.engine.begin() as conn:  # the schema as 0005 left it
        conn.execute(text("DROP INDEX ix_session_departement_offer"))
        conn.execute(text("CREATE INDEX ix_session_departement ON session (departement)"))
    broken.dispose()
    ratios = _ratios(url, rounds=3)  # a scan is slow every time: three rounds show it
    assert ratios[str({"departement": RARE})] > MAX_RATIO, ratios
