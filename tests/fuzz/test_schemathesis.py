"""Contract fuzzing: schemathesis drives every operation of `openapi.yaml` against a real server.

A uvicorn server (`bench.live_server.LiveServer`, SQLite, demo catalogue) answers requests that
schemathesis generates from the committed `openapi.yaml` — valid ones and invalid ones (wrong
types, out-of-range numbers, missing fields, odd strings…) — once with a key of each role. Every
answer must:

- not be a server error (5xx);
- conform to the document: status code documented, content type documented, body valid against
  the schema of that status;
- be `application/problem+json` with `type`, `title`, `status` (= the HTTP status) and `detail`
  when it is an error (4xx, or a 503).

Reproducible: Hypothesis is derandomised (fixed seed per operation), no example database, so CI
always sends the same requests. Budget: `FUZZ_MAX_EXAMPLES` (default 25) generated cases per
operation and role (and without a key), plus schemathesis's deterministic examples and coverage
phases. What it found
is kept, request by request, in `test_regressions.py`.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.transport.serialization import serialize_binary

from tests.fuzz.server import FuzzServer, start_fuzz_server

ROOT = Path(__file__).resolve().parents[2]
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "25"))

pytestmark = pytest.mark.fuzz


def problem_json(ctx, response, case) -> None:
    """Every error leaves as RFC 9457 problem+json (CONTRACT § Conventions)."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])[0] if isinstance(
        response.headers.get("content-type"), list) else response.headers.get("content-type", "")
    assert content_type.startswith("application/problem+json"), (
        f"{response.status_code} answered as {content_type!r}, not application/problem+json")
    body = json.loads(response.content)
    assert isinstance(body, dict), "a problem is a JSON object"
    for name in ("type", "title", "detail"):
        assert isinstance(body.get(name), str) and body[name], f"problem without a {name!r} string: {body}"
    assert body.get("status") == response.status_code, f"problem status {body.get('status')} != HTTP status"
    return None


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection, problem_json]


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory) -> FuzzServer:
    server = start_fuzz_server(tmp_path_factory.mktemp("fuzz"))
    yield server
    server.stop()


# Loaded at collection (a file, no server needed): one test per operation and role. The server's
# address is given at each call (schemathesis's lazy `from_fixture` loader does not run on pytest 9).
schema = schemathesis.openapi.from_path(ROOT / "openapi.yaml")
# The key is ours to send (below): schemathesis does not generate Authorization headers itself, or
# its "key missing" variants would come back with our key and look like accepted invalid requests.
schema.config.generation.update(with_security_parameters=False)

# Operations where an invalid part of the request is, by contract, answered in a 200 rather than
# refused: `POST /v1/entries` answers each entry on its own (`outcome: error` for an invalid one).
ANSWERED_PER_ITEM = {("POST", "/v1/entries")}


@schemathesis.serializer("application/gzip")
def _gzip(ctx, value) -> bytes:
    """`POST /v1/imports/lheo` also takes a gzip-compressed document: compress what was generated."""
    return gzip.compress(serialize_binary(value))


def _contract_test(role: str):
    """Every operation with this role's key."""

    @schema.parametrize()
    @hypothesis.settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
                         suppress_health_check=list(HealthCheck), print_blob=False)
    def test(case, fuzz_server: FuzzServer) -> None:
        key = fuzz_server.keys.get(role)
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        response = case.call(base_url=fuzz_server.url, headers=headers, timeout=60)
        if response.status_code >= 500 and response.status_code != 503:
            pytest.fail(f"{response.status_code} on {case.as_curl_command()}\n"
                        f"server log (end):\n{fuzz_server.log_tail()[-1500:]}")
        checks = CHECKS
        if (case.method, case.path) in ANSWERED_PER_ITEM:
            checks = [c for c in CHECKS if c is not negative_data_rejection]
        case.validate_response(response, checks=checks)

    test.__name__ = f"test_contract_{role}"
    return test


test_contract_adviser = _contract_test("adviser")
test_contract_sync = _contract_test("sync")
test_contract_provider = _contract_test("provider")
test_contract_admin = _contract_test("admin")
test_contract_anonymous = _contract_test("anonymous")  # the public catalogue, and 401s everywhere else
