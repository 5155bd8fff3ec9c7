"""openapi.yaml at the root is generated from the app and must not drift from it."""

from __future__ import annotations

from pathlib import Path

import yaml

from app.openapi_export import openapi_yaml

ROOT = Path(__file__).resolve().parent.parent


def test_openapi_yaml_is_up_to_date():
    committed = (ROOT / "openapi.yaml").read_text(encoding="utf-8")
    assert yaml.safe_load(committed) == yaml.safe_load(openapi_yaml()), (
        "openapi.yaml drifted from the app: run `make openapi`")


def test_contract_paths_are_documented():
    doc = yaml.safe_load(openapi_yaml())
    for path in ["/v1/offers", "/v1/offers/{offer_id}", "/v1/sessions/{session_id}", "/v1/offers/{source}/{external_id}",
                 "/v1/sessions/{session_id}/places", "/v1/reference/{name}", "/healthz", "/readyz"]:
        assert path in doc["paths"], path
