"""Forged, tampered, foreign and reused cursors (CONTRACT § Conventions: "a forged or foreign cursor
→ 400"), on every paginated list, on SQLite and PostgreSQL.

Regression found here: the lists' fingerprints did not name the list, so a `/v1/offers` cursor was
accepted by `/v1/prescriptions` (and the other way round) when neither had filters; every list now
puts its name in its cursor (app/core/pagination.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path

import pytest

from app.core.pagination import encode_cursor
from tests.api.factories import offer_body, session_body
from tests.conftest import unique

FEED = (Path(__file__).resolve().parent.parent / "fixtures" / "lheo" / "fle-2.3.xml").read_bytes()


@pytest.fixture(scope="module")
def lists(api):
    """Every list with at least two pages at limit=1, and its first next_cursor."""
    sids = []
    for _ in range(3):
        body = offer_body(sessions=[session_body("S1", places_available=9)])
        r = api.put(f"/v1/offers/carif-idf/{unique('CUR_')}", json=body, headers=api.auth("admin"))
        sids.append(r.json()["sessions"][0]["id"])
    adviser = api.auth("adviser")
    for sid in sids:
        assert api.post("/v1/prescriptions", json={"session_id": sid, "jobseeker_ref": unique("FT-")},
                        headers=adviser).status_code == 201
    admin = api.auth("admin")
    for _ in range(2):
        r = api.post("/v1/imports/lheo", params={"source": "carif-cursors", "dry_run": "true"}, content=FEED,
                     headers={**admin, "Content-Type": "application/xml"})
        assert r.status_code == 200, r.text
    endpoints = {
        "offers": ("/v1/offers", {}, {}),
        "offers_sync": ("/v1/offers", {"modified_after": "2000-01-01T00:00:00Z"}, {}),
        "search": ("/v1/search", {}, {}),
        "prescriptions": ("/v1/prescriptions", {}, adviser),
        "imports": ("/v1/imports", {}, admin),
    }
    out = {}
    for name, (path, params, headers) in endpoints.items():
        first = api.get(path, params={**params, "limit": 1}, headers=headers)
        assert first.status_code == 200 and first.json()["next_cursor"], (name, first.text)
        out[name] = (path, params, headers, first.json()["next_cursor"])
    return out


def get(api, lists, name, cursor, **extra):
    path, params, headers, _ = lists[name]
    return api.get(path, params={**params, "limit": 1, "cursor": cursor, **extra}, headers=headers)


def assert_invalid_cursor(r):
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"].endswith("/invalid-cursor")


NAMES = ["offers", "offers_sync", "search", "prescriptions", "imports"]


@pytest.mark.parametrize("name", NAMES)
def test_a_cursor_pages_and_can_be_replayed(api, lists, name):
    cursor = lists[name][3]
    first, again = get(api, lists, name, cursor), get(api, lists, name, cursor)
    assert first.status_code == 200 and first.json() == again.json()  # stateless: same page twice


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("forged", [
    "AAAA", "A" * 40, "x", "====", "%%%", "_-_-_-_-", "null", "eyJwIjpbMV0sInEiOiIwIn0",  # unsigned {"p":[1],"q":"0"}
    base64.urlsafe_b64encode(b"\x00" * 16 + b'{"p":[1],"q":"x"}').decode(),
])
def test_forged_cursors_are_400(api, lists, name, forged):
    assert_invalid_cursor(get(api, lists, name, forged))


@pytest.mark.parametrize("name", NAMES)
def test_tampered_cursors_are_400(api, lists, name):
    cursor = lists[name][3]
    blob = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    sig, raw = blob[:16], blob[16:]
    data = json.loads(raw)
    data["p"] = [10**9] + data["p"][1:]
    moved = base64.urlsafe_b64encode(sig + json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")
    assert_invalid_cursor(get(api, lists, name, moved))  # position changed, signature kept
    flipped = bytes([sig[0] ^ 1]) + sig[1:] + raw
    assert_invalid_cursor(get(api, lists, name, base64.urlsafe_b64encode(flipped).decode().rstrip("=")))
    assert_invalid_cursor(get(api, lists, name, cursor[:-3]))  # truncated
    # Signed with another secret (another deployment, or a guessed default):
    other = hmac.new(b"another-secret", raw, hashlib.sha256).digest()[:16]
    assert_invalid_cursor(get(api, lists, name, base64.urlsafe_b64encode(other + raw).decode().rstrip("=")))


def test_a_validly_signed_cursor_of_an_unknown_query_is_400(api, lists):
    key = api.app.state.settings.cursor_key
    for name in NAMES:
        assert_invalid_cursor(get(api, lists, name, encode_cursor(key, [1], {"list": "something-else"})))


@pytest.mark.parametrize("source", NAMES)
@pytest.mark.parametrize("target", NAMES)
def test_a_cursor_of_one_list_is_refused_by_another(api, lists, source, target):
    if source == target:
        return
    assert_invalid_cursor(get(api, lists, target, lists[source][3]))


@pytest.mark.parametrize(("name", "other"), [
    ("offers", {"departement": "93"}), ("offers", {"level": "A1"}), ("offers_sync", {"modified_after": "2001-01-01T00:00:00Z"}),
    ("search", {"q": "français"}), ("search", {"kind": "alpha"}), ("search", {"limit": 2}),
    ("prescriptions", {"status": "pending"}), ("imports", {"source": "carif-autre"}),
])
def test_a_cursor_reused_with_other_filters_is_400(api, lists, name, other):
    assert_invalid_cursor(get(api, lists, name, lists[name][3], **other))


def test_a_cursor_is_bound_to_its_list_not_to_the_key(api, lists):
    """Cursors carry positions, not rights: another adviser's cursor pages through *its own* scope."""
    path, params, _, cursor = lists["prescriptions"]
    r = api.get(path, params={"limit": 1, "cursor": cursor}, headers=api.auth("adviser", organisation="other"))
    assert r.status_code == 200 and r.json()["items"] == []


def test_oversized_cursor_is_422(api):
    r = api.get("/v1/offers", params={"cursor": "A" * 5000})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "cursor"]
