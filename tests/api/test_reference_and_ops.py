"""Reference lists and operations endpoints."""

from __future__ import annotations

import json
import logging

import pytest

from app.reference.registry import ReferenceName


@pytest.mark.parametrize("name", [n.value for n in ReferenceName])
def test_every_reference_list(api, name):
    r = api.get(f"/v1/reference/{name}")
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert items
    for item in items:
        assert {"code", "label", "description"} <= item.keys()


def test_reference_contents(api):
    levels = [i["code"] for i in api.get("/v1/reference/levels").json()["items"]]
    assert levels == ["A0", "A1.1", "A1", "A2", "B1", "B2", "C1", "C2"]
    funders = {i["code"]: i for i in api.get("/v1/reference/funders").json()["items"]}
    assert {"bop104", "ofii", "france_travail", "region", "departement", "commune", "opco", "cpf", "employer",
            "state_other", "eu", "learner", "other"} <= funders.keys()
    assert funders["bop104"]["lheo_codes"]["2.3"] == ["19"]
    assert funders["ofii"]["lheo_codes"]["2.3"] == ["20"]
    assert "16" in funders["opco"]["lheo_codes"]["2.2"] and "17" in funders["cpf"]["lheo_codes"]["2.3"]
    sectors = {i["code"]: i for i in api.get("/v1/reference/sectors").json()["items"]}
    assert "K1302" in sectors["services_a_la_personne"]["rome_codes"]
    publics = {i["code"] for i in api.get("/v1/reference/publics").json()["items"]}
    assert {"immigrant", "cir_signatory", "bpi", "jobseeker", "rsa", "under_26", "employee", "women", "all"} <= publics
    kinds = {i["code"] for i in api.get("/v1/reference/kinds").json()["items"]}
    assert kinds == {"alpha", "fle_general", "fle_pro", "cir", "asl", "certification"}
    tension = api.get("/v1/reference/tension").json()
    assert tension["meta"]["is_proxy"] is True
    idf = next(i for i in tension["items"] if i["code"] == "11")
    assert idf["sectors"] and idf["rome_codes"]
    assert api.get("/v1/reference/unknown").status_code == 422


def test_health_ready_metrics(api):
    assert api.get("/healthz").json() == {"status": "ok"}
    ready = api.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "ok"
    api.get("/v1/reference/levels")
    metrics = api.get("/metrics")
    assert metrics.status_code == 200
    assert 'http_requests_total{method="GET",route="/v1/reference/{name}",status="200"}' in metrics.text
    assert "http_request_duration_seconds_bucket" in metrics.text


def test_request_id_is_honoured_and_logs_are_json_without_secrets(api, caplog):
    key = api.key("adviser")
    logger = logging.getLogger("parcours_fle")
    records: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    from app.api.observability import JsonFormatter

    handler = Capture()
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    try:
        r = api.get("/v1/offers?departement=93", headers={"X-Request-ID": "abc-123",
                                                          "Authorization": f"Bearer {key}"})
    finally:
        logger.removeHandler(handler)
    assert r.headers["X-Request-ID"] == "abc-123"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    lines = [json.loads(x) for x in records]
    access = [x for x in lines if x.get("msg") == "request"]
    assert access and access[-1]["request_id"] == "abc-123" and access[-1]["route"] == "/v1/offers"
    assert all(key not in x and key.split("_", 2)[2][:10] not in x for x in records)
    assert r.headers.get("X-Request-ID") and api.get("/healthz").headers["X-Request-ID"] != "abc-123"


def test_oversized_body_is_413(api):
    big = b"{" + b" " * (3 * 1024 * 1024) + b"}"
    r = api.put("/v1/offers/carif-idf/BIG", content=big,
                headers={**api.auth("admin"), "Content-Type": "application/json"})
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("application/problem+json")
