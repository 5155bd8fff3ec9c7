"""Hostile input, one case per test, on SQLite and PostgreSQL: oversized and deeply nested bodies,
huge limits, search operators, control characters, NUL, invalid UTF-8, path traversal in ids.
Whatever the input: a 4xx problem+json, never a 5xx, nothing written.

Regressions found here (fixed in the app): a NUL character in any free-text field (offer title,
organisation, address, note, refusal reason, the `code` query) or in the prefix of an API key was a
500 on PostgreSQL — now 422 / 401 on both databases (app/api/inputguard.py, app/auth/keys.py)."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from app.main import create_app
from tests.api.factories import SIRET, offer_body, session_body
from tests.conftest import make_settings, unique

PROBLEM = "application/problem+json"


def is_problem(r, *statuses: int) -> bool:
    return r.status_code in statuses and r.headers["content-type"].startswith(PROBLEM)


def new_offer(api, **over) -> dict:
    r = api.put(f"/v1/offers/carif-idf/{unique('HOST_')}", json=offer_body(**over), headers=api.auth("admin"))
    assert r.status_code == 201, r.text
    return r.json()


def offer_count(api) -> int:
    n, cursor = 0, None
    while True:
        page = api.get("/v1/offers", params={"limit": 200, **({"cursor": cursor} if cursor else {})}).json()
        n += len(page["items"])
        if not (cursor := page["next_cursor"]):
            return n


def raw_json(api, method: str, url: str, body: bytes, headers: dict | None = None):
    return api.request(method, url, content=body, headers={"Content-Type": "application/json", **(headers or {})})


# --- sizes ----------------------------------------------------------------------------------------


def _drive(app, method: str, path: str, headers: list[tuple[bytes, bytes]], chunks: list[bytes]):
    """Call the ASGI app directly, counting how much of the body it pulls (TestClient reads it all)."""
    pulled = {"messages": 0}
    sent: list[dict] = []

    async def receive():
        i = pulled["messages"]
        pulled["messages"] += 1
        if i < len(chunks):
            return {"type": "http.request", "body": chunks[i], "more_body": i + 1 < len(chunks)}
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": headers, "client": ("127.0.0.1", 5000), "server": ("testserver", 80)}
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], dict(start["headers"]), pulled["messages"]


def test_declared_oversized_body_is_413_without_reading_it(database_url):
    app = create_app(make_settings(database_url))
    chunk = b" " * 65536
    status, headers, pulled = _drive(app, "PUT", "/v1/offers/carif-idf/BIG",
                                     [(b"content-type", b"application/json"),
                                      (b"content-length", str(3 * 1024 * 1024).encode())], [chunk] * 48)
    assert status == 413 and pulled == 0
    assert headers[b"content-type"] == b"application/problem+json" and headers[b"x-content-type-options"] == b"nosniff"


def test_streamed_oversized_body_is_413_as_soon_as_the_limit_is_passed(database_url):
    app = create_app(make_settings(database_url))
    chunk = b" " * 65536  # no content-length: chunked upload of 3 MB against the 2 MB limit
    status, headers, pulled = _drive(app, "PUT", "/v1/offers/carif-idf/BIG", [(b"content-type", b"application/json")],
                                     [b"{"] + [chunk] * 48 + [b"}"])
    assert status == 413 and headers[b"content-type"] == b"application/problem+json"
    assert pulled <= 2 * 1024 * 1024 // 65536 + 2 < 50  # stopped right after the limit, not at the end


@pytest.mark.parametrize("body", [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    b"[" * 100_000,  # and never closed
    b'{"profile": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
])
def test_deeply_nested_json_is_a_quick_400(api, body):
    started = time.perf_counter()
    r = raw_json(api, "POST", "/v1/match", body, api.auth("adviser"))
    assert time.perf_counter() - started < 2
    assert is_problem(r, 400), r.text
    assert r.json()["errors"][0]["loc"] == ["body"] and "imbriqué" in r.json()["detail"]


def test_nesting_below_the_recursion_limit_is_a_422(api):
    body = b'{"profile": {"level": "A1", "home": {"insee": "93066"}, "sectors": ' + b"[" * 500 + b"]" * 500 + b"}}"
    r = raw_json(api, "POST", "/v1/match", body, api.auth("adviser"))
    assert is_problem(r, 422), r.text


def test_number_too_long_to_parse_is_400(api):
    body = b'{"profile": {"level": "A1", "home": {"insee": "93066"}}, "limit": ' + b"9" * 5000 + b"}"
    assert is_problem(raw_json(api, "POST", "/v1/match", body, api.auth("adviser")), 400)


@pytest.mark.parametrize(("url", "role"), [
    ("/v1/offers?limit=999999999", None), ("/v1/offers?limit=99999999999999999999999999", None),
    ("/v1/search?limit=999999999", None), ("/v1/suggest?q=fle&limit=999999999", None),
    ("/v1/offers?limit=-1", None), ("/v1/offers?limit=0", None), ("/v1/offers?limit=1e9", None),
    ("/v1/prescriptions?limit=999999999", "adviser"), ("/v1/imports?limit=999999999", "admin"),
])
def test_huge_limit_is_422(api, url, role):
    r = api.get(url, headers=api.auth(role) if role else {})
    assert is_problem(r, 422), r.text
    assert r.json()["errors"][0]["loc"] == ["query", "limit"]


def test_huge_limit_in_a_match_body_is_422(api):
    r = api.post("/v1/match", json={"profile": {"level": "A1", "home": {"insee": "93066"}}, "limit": 999_999_999},
                 headers=api.auth("adviser"))
    assert is_problem(r, 422) and r.json()["errors"][0]["loc"] == ["body", "limit"]


# --- search operators and odd characters in `q` ---------------------------------------------------


@pytest.fixture(scope="module")
def searchable(api):
    new_offer(api, title="Français langue étrangère pour l'hôtellerie", summary="Cours de FLE.")
    new_offer(api, title="Alphabétisation du soir", kind="alpha", summary="Lire et écrire.")
    return api


@pytest.mark.parametrize("q", [
    '"français"', "français*", "*", '"', "français NEAR alpha", "NEAR(français, alpha)", "français OR alpha",
    "français AND NOT alpha", "title:français", "a:b:c", "-français", "(", ")", "^", "~2", "français~",
    "'; DROP TABLE offer; --", "%", "_", "\\", "\\u0000", "{}", "[", "<script>alert(1)</script>",
])
def test_search_operators_are_plain_words(searchable, q):
    for path in ("/v1/search", "/v1/suggest"):
        r = searchable.get(path, params={"q": q})
        assert r.status_code == 200, (path, q, r.text)


def test_operators_do_not_change_what_is_found(searchable):
    """Punctuation is not syntax: `"x"`, `x*`, `x:` find what `x` finds (and `title:x` looks for the
    word « title » too — it is no field selector)."""
    plain = searchable.get("/v1/search", params={"q": "français"}).json()
    for q in ('"français"', "français*", "+français", "français:", "(français)", "-français", "français~"):
        got = searchable.get("/v1/search", params={"q": q}).json()
        assert got["total"] == plain["total"] > 0, q
        assert [o["id"] for o in got["items"]] == [o["id"] for o in plain["items"]], q


@pytest.mark.parametrize("q", ["\x01\x02\x1b[31m", "\x7f", "fran\u200bçais", "\u202efrançais", "\ufeff", "\ud7ff",
                               "ﬁ" * 200, "\u0301" * 200, "é" * 200])
def test_control_and_odd_characters_in_q(searchable, q):
    for path in ("/v1/search", "/v1/suggest"):
        r = searchable.get(path, params={"q": q})
        assert r.status_code == 200, (path, repr(q), r.text)


def test_q_longer_than_200_is_422(searchable):
    assert is_problem(searchable.get("/v1/search", params={"q": "a" * 201}), 422)


@pytest.mark.parametrize("url", ["/v1/search?q=fran%00ais", "/v1/suggest?q=%00", "/v1/offers?departement=93%00",
                                 "/v1/search?%00=1", "/v1/offers?modified_after=2026-01-01T00:00:00%00"])
def test_nul_in_the_query_string_is_422(api, url):
    r = api.get(url)
    assert is_problem(r, 422), r.text
    assert r.json()["errors"][0]["loc"][0] == "query"


def test_nul_in_the_code_query_is_422(api):
    r = api.get("/v1/prescriptions?code=AB%00CD", headers=api.auth("adviser"))  # was a 500 on PostgreSQL
    assert is_problem(r, 422) and r.json()["errors"][0]["loc"] == ["query", "code"]


@pytest.mark.parametrize("url", ["/v1/search?q=%ff%fe", "/v1/suggest?q=%c3%28", "/v1/offers?departement=%e9",
                                 "/v1/search?q=%ed%a0%80"])  # the last one: an encoded UTF-16 surrogate
def test_invalid_utf8_in_the_query_string_is_400(api, url):
    r = api.get(url)
    assert is_problem(r, 400), r.text
    assert r.json()["errors"] == [{"loc": ["query"], "msg": "UTF-8 invalide"}]


# --- JSON bodies: NUL, invalid UTF-8, lone surrogates -----------------------------------------------


@pytest.mark.parametrize("over", [
    {"title": "FLE\u0000"}, {"organisation": {"name": "Asso\u0000", "siret": SIRET}}, {"certification": "DELF\u0000"},
    {"summary": "\u0000"}, {"sessions": [session_body(location={"address": "1 rue\u0000", "insee": "93066"})]},
])
def test_nul_in_an_offer_is_422_and_nothing_is_written(api, over):
    before = offer_count(api)
    ext = unique("NUL_")
    r = api.put(f"/v1/offers/carif-idf/{ext}", json=offer_body(**over), headers=api.auth("admin"))
    assert is_problem(r, 422), r.text  # a 500 on PostgreSQL before app/api/inputguard.py
    assert r.json()["errors"] == [{"loc": ["body"], "msg": "caractère NUL (U+0000) interdit"}]
    assert offer_count(api) == before


def test_an_escaped_backslash_before_u0000_is_text_not_nul(api):
    r = api.put(f"/v1/offers/carif-idf/{unique('BSL_')}", json=offer_body(title="C:\\u0000 n'est pas NUL"),
                headers=api.auth("admin"))
    assert r.status_code == 201 and r.json()["title"] == "C:\\u0000 n'est pas NUL"


def test_nul_in_a_prescription_note_and_a_refusal_reason_is_422(api):
    sid = new_offer(api)["sessions"][0]["id"]
    r = api.post("/v1/prescriptions", json={"session_id": sid, "jobseeker_ref": "FT-NUL", "note": "x\u0000y"},
                 headers=api.auth("adviser"))
    assert is_problem(r, 422), r.text
    assert api.get("/v1/prescriptions", params={"session_id": sid}, headers=api.auth("adviser")).json()["items"] == []
    r = api.post("/v1/prescriptions", json={"session_id": sid, "jobseeker_ref": "FT-NUL"}, headers=api.auth("adviser"))
    assert r.status_code == 201
    prov = api.auth("provider", siret=SIRET)
    r = api.patch(f"/v1/prescriptions/{r.json()['id']}", json={"status": "refused", "reason": "a\u0000"}, headers=prov)
    assert is_problem(r, 422), r.text
    assert api.get(f"/v1/sessions/{sid}").json()["places_available"] == 4  # the place is still held


@pytest.mark.parametrize("body", [
    b'{"profile": {"level": "A1\xff\xfe", "home": {"insee": "93066"}}}',
    b'{"profile": {"level": "A1", "home": {"insee": "\xc3\x28"}}}',
])
def test_invalid_utf8_in_a_json_body_is_400(api, body):
    r = raw_json(api, "POST", "/v1/match", body, api.auth("adviser"))
    assert is_problem(r, 400), r.text


def test_a_utf16_body_is_a_4xx(api):
    r = raw_json(api, "POST", "/v1/match", b"\xfe\xff\x00{", api.auth("adviser"))
    assert is_problem(r, 400, 422), r.text


def test_lone_surrogates_are_422(api):
    body = json.dumps(offer_body(title="@@")).replace("@@", "\\ud800").encode()
    r = raw_json(api, "PUT", f"/v1/offers/carif-idf/{unique('SUR_')}", body, api.auth("admin"))
    assert is_problem(r, 422), r.text


def test_control_characters_are_kept_as_text(api):
    """C0 controls other than NUL are valid JSON text: stored and returned escaped, never interpreted
    (the adviser page writes catalogue text with textContent)."""
    out = new_offer(api, title="FLE \x01\x1b[31m\u2028 rouge")
    assert api.get(f"/v1/offers/{out['id']}").json()["title"] == "FLE \x01\x1b[31m\u2028 rouge"


# --- path traversal and odd ids -------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "/v1/offers/..%2F..%2Fetc%2Fpasswd", "/v1/offers/../../etc/passwd", "/v1/offers/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/v1/offers/1%00", "/v1/offers/1%2F..", "/v1/offers/-1", "/v1/offers/0", "/v1/offers/99999999999999999999",
    "/v1/offers/1.5", "/v1/offers/0x10", "/v1/sessions/1%00", "/v1/sessions/..%2F1", "/v1/reference/..%2F..%2Fsettings",
    "/v1/reference/levels%00", "/v1/reference/%2e%2e", "/static/..%2F..%2Fsettings.py", "/static/%2e%2e/%2e%2e/main.py",
    "/static/..%5C..%5Csettings.py", "/static/app.css%00", "/static/%00", "/static//etc/passwd",
])
def test_traversal_and_odd_ids_in_reads(api, url):
    r = api.get(url)  # 405: "/v1/offers/1%2F.." is the PUT/DELETE route /v1/offers/{source}/{external_id}
    assert is_problem(r, 404, 405, 422), (url, r.status_code, r.text[:200])


@pytest.mark.parametrize("path", [
    "/v1/offers/carif-idf/..%2F..%2Fx", "/v1/offers/carif-idf/a%00b", "/v1/offers/..%2Fcarif-idf/x",
    "/v1/offers/carif-idf/%2e%2e", "/v1/offers/carif-idf/%2e", "/v1/offers/carif-idf/.hidden",
    "/v1/offers/CARIF-IDF/x", "/v1/offers/carif-idf/" + "x" * 121,
    "/v1/offers/carif-idf/a%20b", "/v1/offers/carif-idf/a%2Fb",
])
def test_traversal_in_write_ids_writes_nothing(api, path):
    before = offer_count(api)
    r = api.put(path, json=offer_body(), headers=api.auth("admin"))
    assert is_problem(r, 404, 405, 422), (path, r.status_code, r.text[:200])  # ".." was a valid external id
    assert is_problem(api.delete(path, headers=api.auth("admin")), 404, 405, 422)
    assert offer_count(api) == before


@pytest.mark.parametrize("header", [b"Bearer pfle_\x00\x00\x00\x00\x00\x00\x00\x00_x", b"Bearer pfle_\xff\xfe\xfd\xfc_x",
                                    b"Bearer pfle_ABCDEF01_x", b"Bearer pfle_' OR 1=1_x", b"Bearer " + b"x" * 8000,
                                    b"Bearer pfle_%00%00%00%00_x", b"Basic YWRtaW46YWRtaW4="])
def test_garbage_keys_are_401(api, header):
    r = api.get("/v1/prescriptions", headers=[(b"Authorization", header)])
    assert is_problem(r, 401), r.text  # the NUL prefix was a 500 on PostgreSQL


def test_nothing_above_was_a_500(api):
    """The access metrics of this module's app: no route answered 5xx."""
    text = api.get("/metrics").text
    assert not [line for line in text.splitlines()
                if line.startswith("http_requests_total") and 'status="5' in line], text
