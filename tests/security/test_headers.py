"""Security headers on every kind of answer, HSTS only over TLS, CORS closed unless configured,
/metrics protectable. The page's CSP (and the absence of any third-party request) is tested in
tests/web/test_page_http.py and tests/web/test_browser.py."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from app.api.observability import JsonFormatter
from app.main import create_app
from tests.api.factories import offer_body
from tests.conftest import make_settings, unique

HSTS = "strict-transport-security"


def assert_common_headers(r, what: str) -> None:
    assert r.headers.get("x-content-type-options") == "nosniff", what
    assert r.headers.get("referrer-policy") == "no-referrer", what
    assert r.headers.get("x-request-id"), what
    assert HSTS not in r.headers, what  # plain HTTP
    assert "access-control-allow-origin" not in r.headers, what


def test_every_kind_of_answer_has_the_headers(api):
    admin = api.auth("admin")
    ext = unique("HDR_")
    api.put(f"/v1/offers/carif-idf/{ext}", json=offer_body(), headers=admin)
    answers = {
        "json 200": api.get("/v1/reference/levels"),
        "json 201": api.put(f"/v1/offers/carif-idf/{unique('HDR_')}", json=offer_body(), headers=admin),
        "204": api.delete(f"/v1/offers/carif-idf/{ext}", headers=admin),
        "problem 401": api.get("/v1/prescriptions"),
        "problem 404": api.get("/v1/offers/999999999"),
        "problem 404 unmatched": api.get("/nowhere"),
        "problem 405": api.post("/v1/offers/1", json={}),
        "problem 422": api.get("/v1/offers?limit=0"),
        "problem 422 from the input guard": api.get("/v1/search?q=%00"),
        "problem 400 from the input guard": api.get("/v1/search?q=%ff"),
        "problem 413 declared": api.put("/v1/offers/carif-idf/BIG", content=b" " * (3 * 1024 * 1024),
                                        headers={**admin, "Content-Type": "application/json"}),
        "csv": api.get("/v1/indicators?format=csv", headers=api.auth("adviser")),
        "page": api.get("/"),
        "static": api.get("/static/app.css"),
        "static 404": api.get("/static/nothing.css"),
        "metrics": api.get("/metrics"),
        "openapi": api.get("/openapi.json"),
        "healthz": api.get("/healthz"),
        "head": api.head("/"),
        "options": api.options("/v1/offers"),
    }
    for what, r in answers.items():
        assert_common_headers(r, what)
    assert answers["204"].status_code == 204 and answers["problem 413 declared"].status_code == 413
    assert "content-security-policy" in answers["page"].headers and "content-security-policy" in answers["static"].headers


def test_a_500_has_the_headers_and_its_log_line_the_request_id(database_url, monkeypatch):
    app = create_app(make_settings(database_url))
    records: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    handler = Capture()
    handler.setFormatter(JsonFormatter())
    logging.getLogger("parcours_fle").addHandler(handler)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            def boom(*_a, **_k):
                raise RuntimeError("boom")

            monkeypatch.setattr(app.state.search, "suggest", boom)
            r = client.get("/v1/suggest?q=fle", headers={"X-Request-ID": "req-500"})
    finally:
        logging.getLogger("parcours_fle").removeHandler(handler)
    assert r.status_code == 500 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["status"] == 500 and "boom" not in r.text
    assert_common_headers(r, "500")
    assert r.headers["x-request-id"] == "req-500"
    errors = [x for x in records if '"unhandled error"' in x]
    assert errors and '"request_id": "req-500"' in errors[0] and "RuntimeError: boom" in errors[0]


def test_hsts_only_over_tls(database_url):
    app = create_app(make_settings(database_url))
    with TestClient(app, base_url="https://testserver") as tls:
        r = tls.get("/v1/reference/levels")
        assert r.headers[HSTS] == "max-age=31536000; includeSubDomains"
        assert HSTS in tls.get("/nowhere").headers and HSTS in tls.get("/").headers
    with TestClient(app) as plain:
        # Anyone can send X-Forwarded-Proto: believed only from a TRUSTED_PROXIES proxy.
        assert HSTS not in plain.get("/v1/reference/levels", headers={"X-Forwarded-Proto": "https"}).headers


def test_hsts_behind_a_trusted_tls_proxy(database_url):
    app = create_app(make_settings(database_url, trusted_proxies=["10.0.0.0/8"]))
    with TestClient(app, client=("10.1.2.3", 5000)) as via_proxy:
        assert HSTS in via_proxy.get("/healthz", headers={"X-Forwarded-Proto": "https"}).headers
        assert HSTS not in via_proxy.get("/healthz", headers={"X-Forwarded-Proto": "http"}).headers
    with TestClient(app, client=("192.0.2.1", 5000)) as direct:
        assert HSTS not in direct.get("/healthz", headers={"X-Forwarded-Proto": "https"}).headers


def test_cors_is_closed_by_default(api):
    origin = {"Origin": "https://evil.example"}
    r = api.get("/v1/offers", headers=origin)
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
    pre = api.options("/v1/prescriptions", headers={**origin, "Access-Control-Request-Method": "POST",
                                                    "Access-Control-Request-Headers": "authorization"})
    assert "access-control-allow-origin" not in pre.headers and pre.status_code == 405


def test_cors_opens_only_to_the_configured_origins(database_url):
    allowed = "https://outil.francetravail.example"
    app = create_app(make_settings(database_url, cors_origins=[allowed]))
    with TestClient(app) as client:
        r = client.get("/v1/offers", headers={"Origin": allowed})
        assert r.headers["access-control-allow-origin"] == allowed
        assert_common_headers_but_cors(r)
        pre = client.options("/v1/prescriptions", headers={"Origin": allowed, "Access-Control-Request-Method": "POST",
                                                           "Access-Control-Request-Headers": "authorization,content-type"})
        assert pre.status_code == 200 and pre.headers["access-control-allow-origin"] == allowed
        assert "authorization" in pre.headers["access-control-allow-headers"].lower()
        assert pre.headers.get("x-content-type-options") == "nosniff"
        evil = {"Origin": "https://evil.example"}
        assert "access-control-allow-origin" not in client.get("/v1/offers", headers=evil).headers
        bad = client.options("/v1/prescriptions", headers={**evil, "Access-Control-Request-Method": "POST"})
        assert bad.status_code == 400 and "access-control-allow-origin" not in bad.headers
        assert "access-control-allow-credentials" not in r.headers  # keys travel in a header, never cookies


def assert_common_headers_but_cors(r) -> None:
    assert r.headers.get("x-content-type-options") == "nosniff" and r.headers.get("x-request-id")


@pytest.mark.parametrize("token", ["s3cret-metrics-token"])
def test_metrics_can_be_protected(database_url, token):
    app = create_app(make_settings(database_url, metrics_token=token))
    with TestClient(app, raise_server_exceptions=False) as client:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": token},
                        {"Authorization": f"Bearer {token}x"}, {"Authorization": f"Basic {token}"}):
            r = client.get("/metrics", headers=headers)
            assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json"), headers
            assert "http_requests_total" not in r.text
        ok = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200 and "http_requests_total" in ok.text
        assert ok.headers["x-content-type-options"] == "nosniff"


def test_metrics_are_open_without_a_token(api):
    assert api.get("/metrics").status_code == 200
