"""What contract fuzzing (test_schemathesis.py) and the fault tests found, kept as plain tests with
the exact requests, on SQLite and PostgreSQL. See docs/trust.md for the story of each."""

from __future__ import annotations

import pytest
import yaml

from app.openapi_export import openapi_yaml
from tests.api.factories import offer_body, session_body

PROBLEM = "application/problem+json"


def assert_problem(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM), r.headers["content-type"]
    body = r.json()
    assert body["status"] == status and body["type"] and body["title"] and body["detail"], body
    return body


@pytest.fixture(scope="module")
def session_id(api) -> int:
    r = api.put("/v1/offers/carif-idf/FUZZ-REG-1", json=offer_body(), headers=api.auth("admin"))
    assert r.status_code in (200, 201), r.text
    return r.json()["sessions"][0]["id"]


# --- 500s ------------------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["from=0000-01&to=0000-01", "to=9999-12", "from=0000-01"])
def test_indicators_month_out_of_datetime_range_is_422_not_500(api, query):
    """Year 0 (or the month after 9999-12) cannot be a `datetime`: the route answered 500."""
    r = api.get(f"/v1/indicators?{query}&region=00&departement=00&public=immigrant&group_by=month",
                headers=api.auth("admin"))
    body = assert_problem(r, 422)
    assert body["errors"][0]["loc"][:1] == ["query"]


def test_indicators_years_1900_to_2199_still_answer(api):
    r = api.get("/v1/indicators?from=2199-01&to=2199-12", headers=api.auth("admin"))
    assert r.status_code == 200, r.text


# --- requests the schema forbids were accepted (pydantic's lax mode) -------------------------

def test_modified_after_must_be_a_timestamp_not_a_number(api):
    """`?modified_after=0.5` was read as 0.5 s after the Unix epoch."""
    assert_problem(api.get("/v1/offers?modified_after=0.5"), 422)
    assert_problem(api.get("/v1/offers?modified_after=1700000000"), 422)
    assert api.get("/v1/offers?modified_after=2026-01-01T00:00:00Z").status_code == 200
    assert api.get("/v1/offers?modified_after=2026-01-01").status_code == 200


def test_places_capacity_false_is_not_zero(api, session_id):
    """`{"capacity": false, "places_available": 0}` set the capacity to 0."""
    r = api.put(f"/v1/sessions/{session_id}/places", json={"capacity": False, "places_available": 0},
                headers=api.auth("admin"))
    assert assert_problem(r, 422)["errors"][0]["loc"] == ["body", "capacity"]
    r = api.put(f"/v1/sessions/{session_id}/places", json={"places_available": "3"}, headers=api.auth("admin"))
    assert_problem(r, 422)
    r = api.put(f"/v1/sessions/{session_id}/places", json={"places_available": 4, "capacity": 12},
                headers=api.auth("admin"))
    assert r.status_code == 200 and r.json()["places_available"] == 4


@pytest.mark.parametrize("field,value", [("funded_places", True), ("capacity", 2.0), ("places_available", "5"),
                                         ("rolling_entry", 1), ("start_date", 0), ("end_date", 1700000000)])
def test_offer_session_scalars_are_typed(api, field, value):
    body = offer_body(sessions=[session_body(**{field: value})])
    r = api.put("/v1/offers/carif-idf/FUZZ-REG-2", json=body, headers=api.auth("admin"))
    body = assert_problem(r, 422)
    assert body["errors"][0]["loc"][:4] == ["body", "sessions", 0, field], body


@pytest.mark.parametrize("field,value", [("hours_total", True), ("childcare", "yes"), ("cost_to_learner", False),
                                         ("source_updated_at", 0)])
def test_offer_scalars_are_typed(api, field, value):
    r = api.put("/v1/offers/carif-idf/FUZZ-REG-3", json=offer_body(**{field: value}), headers=api.auth("admin"))
    assert assert_problem(r, 422)["errors"][0]["loc"][:2] == ["body", field]


def test_entry_date_zero_is_not_1970(api, session_id):
    """`PATCH {"status": "entered", "entered_on": 0}` recorded an entry on 1970-01-01."""
    adviser = api.auth("adviser")
    r = api.post("/v1/prescriptions", json={"session_id": session_id, "jobseeker_ref": "FUZZ-ENTERED-0"},
                 headers=adviser)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    r = api.patch(f"/v1/prescriptions/{pid}", json={"entered_on": 0, "reason": "0", "reason_code": None,
                                                     "status": "entered"}, headers=api.auth("admin"))
    assert assert_problem(r, 422)["errors"][0]["loc"] == ["body", "entered_on"]
    assert api.get(f"/v1/prescriptions/{pid}", headers=adviser).json()["status"] == "pending"


def test_prescription_session_id_must_be_an_integer(api, session_id):
    r = api.post("/v1/prescriptions", json={"session_id": str(session_id), "jobseeker_ref": "FUZZ-STR-ID"},
                 headers=api.auth("adviser"))
    assert_problem(r, 422)
    r = api.post("/v1/prescriptions", json={"session_id": True, "jobseeker_ref": "FUZZ-BOOL-ID"},
                 headers=api.auth("adviser"))
    assert_problem(r, 422)


@pytest.mark.parametrize("profile_over", [{"remote_ok": "yes"}, {"available_from": 0}, {"start_within_days": 1.0},
                                          {"home": {"lat": True, "lon": 2.35}}])
def test_match_profile_scalars_are_typed(api, profile_over):
    profile = {"level": "A1", "home": {"insee": "93066"}, **profile_over}
    assert_problem(api.post("/v1/match", json={"profile": profile}, headers=api.auth("adviser")), 422)


def test_match_limit_must_be_an_integer(api):
    r = api.post("/v1/match", json={"profile": {"level": "A1", "home": {"insee": "93066"}}, "limit": True},
                 headers=api.auth("adviser"))
    assert_problem(r, 422)


# --- the document said one thing, the app answered another ----------------------------------

def test_openapi_documents_errors_as_problem_json():
    """The 422 was documented as FastAPI's `HTTPValidationError` (`application/json`, `detail` a
    list) while the app answers RFC 9457 problem+json with `detail` a sentence."""
    doc = yaml.safe_load(openapi_yaml())
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    problem = doc["components"]["schemas"]["Problem"]
    assert problem["required"] == ["type", "title", "status", "detail"]
    for path, item in doc["paths"].items():
        for method, op in item.items():
            for code, resp in op["responses"].items():
                if code[0] in "45":
                    assert list(resp.get("content", {})) == [PROBLEM], (method, path, code)
            if "{" in path:
                assert "404" in op["responses"], (method, path)


def test_openapi_declares_who_may_call():
    doc = yaml.safe_load(openapi_yaml())
    ops = doc["paths"]
    assert ops["/v1/match"]["post"]["security"] == [{"bearerKey": []}]
    assert ops["/v1/search"]["get"]["security"] == [{}, {"bearerKey": []}]  # public catalogue: key optional
    assert "security" not in ops["/healthz"]["get"]
    assert "403" in ops["/v1/match"]["post"]["responses"] and "403" not in ops["/v1/search"]["get"]["responses"]


def test_validation_error_answer_matches_the_documented_problem(api):
    r = api.post("/v1/match", json={"profile": {"level": "Z9"}}, headers=api.auth("adviser"))
    body = assert_problem(r, 422)
    assert all(set(e) == {"loc", "msg"} for e in body["errors"])


# --- found by the fault tests (tests/faults/): database failures were 500s --------------------

def test_unreachable_database_is_503_problem_with_retry_after(tmp_path):
    """PostgreSQL restarting (or any unreachable database) answered 500 and closed keep-alive
    connections; now 503 `database-unavailable` with Retry-After, and /healthz still answers."""
    from fastapi.testclient import TestClient

    from app.main import create_app
    from tests.conftest import make_settings

    app = create_app(make_settings(f"sqlite:///{tmp_path}/missing-dir/app.core.db"))
    with TestClient(app, raise_server_exceptions=False) as c:
        assert c.get("/healthz").status_code == 200
        for r in (c.get("/v1/offers"), c.get("/v1/sessions/1"), c.get("/readyz")):
            body = assert_problem(r, 503)
            assert body["type"].endswith(("database-unavailable", "unavailable"))
        r = c.get("/v1/offers")
        assert r.headers["retry-after"] and r.json()["type"].endswith("database-unavailable")


def test_disk_full_is_507_problem():
    import sqlite3

    from sqlalchemy.exc import IntegrityError, OperationalError

    from app.api.db_errors import database_problem, is_disk_full, is_unavailable

    full = OperationalError("INSERT …", None, sqlite3.OperationalError("database or disk is full"))
    assert is_disk_full(full) and is_unavailable(full)
    r = database_problem(full)
    assert r.status_code == 507 and r.media_type == PROBLEM and r.headers["retry-after"]
    locked = OperationalError("INSERT …", None, sqlite3.OperationalError("database is locked"))
    assert not is_disk_full(locked) and database_problem(locked).status_code == 503
    assert not is_unavailable(IntegrityError("INSERT …", None, sqlite3.IntegrityError("UNIQUE")))  # a bug: 500
