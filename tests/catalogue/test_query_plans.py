"""Every catalogue list and filter reads big tables through an index, on both databases.

Migration 0005 once dropped the index the offer list's `EXISTS (live session in this département)`
needed: SQLite kept answering, but scanned the département's sessions once per listed offer (2.4 s
per page at 50,000 sessions) and nothing failed. This test makes the requests an adviser or a sync
job makes, captures every SELECT they run, asks the database for its plan and refuses:
- a full scan of a big table (SQLite `SCAN x`; PostgreSQL a Seq Scan, or an index scan with no
  condition, with sequential scans disabled so the plan shows what the indexes allow), except the
  keyset walk of the table a page is ordered by (`ORDER BY … LIMIT`);
- a per-row probe of a big table that does not seek on the row it is probing for (the correlation
  key, `offer_id`): the shape of the 0005 regression. SQLite plans do not depend on the data (no
  statistics), so its probes are checked as they will run. PostgreSQL chooses joins from
  statistics, which a test database does not have: there the check is that an index can serve
  every filter (seqscan off) and that correlated subplans, which do run per row, seek on their key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text

from app.core.db import Database
from app.core.migrate import upgrade_to_head
from app.main import create_app
from tests.api.factories import SIRET, offer_body, session_body
from tests.conftest import Api, make_settings, unique
from tests.services import create_database, drop_database

BIG = {"offer", "session", "offer_funder", "offer_sector", "offer_public", "offer_source", "prescription",
       "prescription_event", "entry", "import_run"}
# The table a keyset page walks in its own order, then filters (LIMIT bounds the walk).
WALKED = {"offer", "prescription", "import_run"}


@contextmanager
def captured_selects(database) -> Iterator[list[tuple[str, object]]]:
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and not executemany:
            seen.append((statement, parameters))

    engines = {database.engine, database.write_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)


def sqlite_problems(statement: str, plan: list[tuple]) -> list[str]:
    """Rows of EXPLAIN QUERY PLAN: (id, parent, notused, detail)."""
    correlated = {row[0] for row in plan if "CORRELATED" in row[3]}
    parents = {row[0]: row[1] for row in plan}

    def in_correlated(node: int) -> bool:
        while node in parents:
            if node in correlated:
                return True
            node = parents[node]
        return False

    problems = []
    limited = re.search(r"\bLIMIT\b", statement, re.I) is not None
    for node, _parent, _, detail in plan:
        m = re.match(r"(SCAN|SEARCH) (\w+)", detail)
        if not m or m.group(2) not in BIG:
            continue
        kind, table = m.groups()
        if kind == "SCAN" and not (table in WALKED and limited and not in_correlated(node)):
            problems.append(f"full scan: {detail}")
        elif kind == "SEARCH" and in_correlated(node) and "offer_id=?" not in detail and " (id=?)" not in detail \
                and "rowid=?" not in detail:
            problems.append(f"per-row probe without its key: {detail}")
    return problems


def postgres_problems(statement: str, plan: dict, leading: dict[str, str]) -> list[str]:
    """`leading`: index name → its first column (an index condition without it walks the whole index)."""
    problems = []
    limited = re.search(r"\bLIMIT\b", statement, re.I) is not None

    def walk(node: dict, table: str | None, correlated: bool) -> None:
        kind = node["Node Type"]
        table = node.get("Relation Name", table)
        index, cond = node.get("Index Name"), node.get("Index Cond", "")
        if table in BIG:
            if kind == "Seq Scan":
                problems.append(f"full scan: Seq Scan on {table}")
            elif index and not cond and not (table in WALKED and limited and not correlated):
                problems.append(f"full scan: {kind} on {table} ({index}) with no condition")
            elif index and cond and not re.search(rf"\b{leading.get(index, '')}\b", cond):
                problems.append(f"full scan: {kind} of {index} without its first column ({cond})")
            elif correlated and index and "offer_id" not in cond and "(id =" not in cond:
                problems.append(f"per-row probe without its key: {kind} on {table} ({cond})")
        for child in node.get("Plans", ()):
            walk(child, table if kind == "Bitmap Heap Scan" else None,
                 correlated or child.get("Parent Relationship") == "SubPlan")

    walk(plan["Plan"], None, False)
    return problems


def _leading_columns(cursor) -> dict[str, str]:
    cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()")
    return {name: re.search(r"\((\w+)", definition.split(" USING ", 1)[1]).group(1)
            for name, definition in cursor.fetchall()}


def plan_problems(database, captured: list[tuple[str, object]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    with database.engine.connect() as conn:
        raw = conn.connection.driver_connection
        cursor = raw.cursor()
        if database.dialect == "postgresql":
            leading = _leading_columns(cursor)
            cursor.execute("SET enable_seqscan = off")
        for statement, params in {s: p for s, p in captured}.items():
            if database.dialect == "postgresql":
                cursor.execute("EXPLAIN (FORMAT JSON) " + statement, params)
                plan = cursor.fetchone()[0]
                problems = postgres_problems(statement, (json.loads(plan) if isinstance(plan, str) else plan)[0],
                                             leading)
            else:
                problems = sqlite_problems(statement, cursor.execute("EXPLAIN QUERY PLAN " + statement,
                                                                     params).fetchall())
            if problems:
                found[" ".join(statement.split())[:300]] = problems
        if database.dialect == "postgresql":
            cursor.execute("RESET enable_seqscan")
        raw.rollback()
    return found


def _catalogue(api) -> dict:
    """Offers in two départements, with funders and sectors, a prescription and an import run."""
    src = "carif-plan-" + unique("p")
    offers = []
    for i, insee in enumerate(("93066", "13201", "75056")):
        body = offer_body(organisation={"name": "Organisme", "siret": SIRET},
                          funders=["ofii"] if i else ["region"], sectors=["btp"] if i else ["proprete"],
                          sessions=[session_body("S", location={"insee": insee}, places_available=5)])
        r = api.put(f"/v1/offers/{src}/AF{i}", json=body, headers=api.auth("admin"))
        assert r.status_code in (200, 201), r.text
        offers.append(r.json())
    sid = offers[0]["sessions"][0]["id"]
    adviser = api.auth("adviser", organisation="France Travail P", contact="conseiller-p@ft.example")
    r = api.post("/v1/prescriptions", json={"session_id": sid, "jobseeker_ref": unique("JS-")}, headers=adviser)
    assert r.status_code == 201, r.text
    return {"source": src, "offer": offers[0]["id"], "session": sid, "adviser": adviser,
            "code": r.json()["code"], "updated_at": offers[0]["updated_at"]}


def list_and_filter_requests(api, c: dict) -> None:
    """The catalogue's lists and filters, each alone and combined, first and next pages."""
    admin = api.auth("admin")
    filters = [{}, {"departement": "13"}, {"region": "93"}, {"funder": "ofii"}, {"sector": "btp"}, {"level": "A1"},
               {"modified_after": "2000-01-01T00:00:00Z"},
               {"departement": "93", "funder": "region", "sector": "proprete", "level": "A2"},
               {"region": "11", "modified_after": c["updated_at"]}]
    for f in filters:
        first = api.get("/v1/offers", params={"limit": 1, **f})
        assert first.status_code == 200, (f, first.text)
        if first.json()["next_cursor"]:
            assert api.get("/v1/offers", params={"limit": 1, **f, "cursor": first.json()["next_cursor"]}).status_code == 200
    assert api.get(f"/v1/offers/{c['offer']}").status_code == 200
    assert api.get(f"/v1/sessions/{c['session']}").status_code == 200
    for f in [{}, {"status": "pending"}, {"session_id": c["session"]}, {"code": c["code"]}]:
        first = api.get("/v1/prescriptions", params={"limit": 1, **f}, headers=c["adviser"])
        assert first.status_code == 200, (f, first.text)
        if first.json().get("next_cursor"):
            nxt = api.get("/v1/prescriptions", params={"limit": 1, **f, "cursor": first.json()["next_cursor"]},
                          headers=c["adviser"])
            assert nxt.status_code == 200
    assert api.get("/v1/imports", params={"source": c["source"]}, headers=admin).status_code == 200
    assert api.get("/v1/imports", headers=admin).status_code == 200


def test_every_catalogue_list_and_filter_uses_an_index(api):
    c = _catalogue(api)
    database = api.app.state.database
    with captured_selects(database) as captured:
        list_and_filter_requests(api, c)
    assert len(captured) > 20, "the requests ran no SQL we could read"
    assert any("EXISTS" in s.upper() for s, _ in captured), "the filters' EXISTS probes were not captured"
    assert plan_problems(database, captured) == {}


def _problems_without(url: str, *ddl: str) -> dict[str, list[str]]:
    """The check's findings on a database migrated to head, then altered by `ddl`."""
    upgrade_to_head(url)
    broken = Database(url)
    with broken.engine.begin() as conn:
        for statement in ddl:
            conn.execute(text(statement))
    broken.dispose()
    app = create_app(make_settings(url))
    with TestClient(app, raise_server_exceptions=False) as client:
        api = Api(client=client, app=app)
        c = _catalogue(api)
        with captured_selects(app.state.database) as captured:
            list_and_filter_requests(api, c)
        problems = plan_problems(app.state.database, captured)
    app.state.database.dispose()
    return problems


def test_the_check_catches_the_0005_regression(tmp_path):
    """Put back the index on the département alone, as 0005 left it: the check must refuse the plan."""
    problems = _problems_without(f"sqlite:///{tmp_path}/regressed.db", "DROP INDEX ix_session_departement_offer",
                                 "CREATE INDEX ix_session_departement ON session (departement)")
    assert any("per-row probe without its key" in p and "departement" in p
               for ps in problems.values() for p in ps), problems


@pytest.mark.postgres
def test_the_check_catches_a_missing_index_on_postgres(postgres_url):
    """With no index on session that a département filter can use, PostgreSQL must scan it."""
    url = create_database(postgres_url)
    try:
        problems = _problems_without(url, "DROP INDEX ix_session_departement_offer",
                                     "ALTER TABLE session DROP CONSTRAINT uq_session_offer_id_external_id")
    finally:
        drop_database(url)
    assert any("full scan" in p and "session" in p for ps in problems.values() for p in ps), problems


@pytest.mark.parametrize("detail, expected", [
    ("SCAN session", "full scan"),
    ("SEARCH session USING INDEX ix_session_departement (departement=?)", "per-row probe"),
])
def test_sqlite_rules_on_known_bad_plans(detail, expected):
    plan = [(2, 0, 0, "SCAN offer"), (5, 0, 0, "CORRELATED SCALAR SUBQUERY 1"), (9, 5, 0, detail)]
    problems = sqlite_problems("SELECT … LIMIT 10", plan)
    assert problems and problems[0].startswith(expected)
    assert sqlite_problems("SELECT … LIMIT 10", plan[:2] + [(9, 5, 0, "SEARCH session USING INDEX "
                                                             "ix_session_departement_offer (departement=? AND offer_id=?)")]) == []
