"""Privacy as tests: a full profile, a prescription (with note, refusal reason and entry) and every
kind of error leave no `jobseeker_ref`, no profile value, no note, no key in any log line — the app's
JSON logs in-process, and the whole stderr of a real uvicorn server. Keys: never logged, not even
the first characters of the secret part.

Regression found here: a database error (logged with its traceback by the 500 handler) carried the
statement's bound parameters — `jobseeker_ref`, the note — and PostgreSQL's DETAIL line quoted row
values. Fixed with `hide_parameters=True` on the engines (app/core/db.py) and the DETAIL line masked by the
log formatter (app/api/observability.py).

The page sending no request to any other host is tested in tests/web/test_browser.py
(`Watch.check`: every request of every page must go to the test server)."""

from __future__ import annotations

import logging
import time

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.api.observability import JsonFormatter
from app.auth.keys import create_key
from app.core.db import Database
from app.main import create_app
from app.reference.roles import Role
from bench.live_server import LiveServer
from tests.api.factories import SIRET, offer_body, session_body
from tests.conftest import make_settings, unique

REF, REF_ENTRY, REF_IDEM = "FT-PRIV4TE-7Q2K9X", "FT-ENTRYPRIV-88Z", "FT-IDEMPRIV-31W"
NOTE, REASON = "Notesecrete Awa Diallo tel 0612345678", "Raisonsecrete niveau insuffisant Diallo"
PROFILE = {
    "level": "A1", "literacy": "partial", "permit_goal": "resident", "sectors": ["btp", "logistique"],
    "home": {"lat": 48.93617, "lon": 2.35744}, "max_distance_km": 17.3125, "transport": "bike",
    "remote_ok": True, "availability": [{"day": "tue", "start": "07:45", "end": "11:15"}],
    "available_from": "2026-12-03", "start_within_days": 47, "publics": ["bpi", "rsa"], "needs_childcare": True,
}
# Four decimals: no log number can be it (durations are logged to two decimals; "17.25" once was one).
PROFILE_VALUES = ["48.93617", "2.35744", "17.3125", "07:45", "11:15", "2026-12-03", "resident", "partial", "bike"]
IDEMPOTENCY_KEY = "idem-9f1c2b7e-privacy"


def secrets_of(keys: list[str]) -> list[str]:
    """What must never be logged: each key whole, its secret part, and the secret's first 8 characters."""
    out = [REF, REF_ENTRY, REF_IDEM, NOTE, "Notesecrete", REASON, "Raisonsecrete", "Diallo", "0612345678",
           IDEMPOTENCY_KEY, *PROFILE_VALUES]
    for key in keys:
        secret = key.split("_", 2)[2]
        out += [key, secret, secret[:8]]
    return out


def journey(http, keys: dict[str, str], sid: int) -> list[int]:
    """Everything an adviser, a provider and an attacker do with personal data; returns the statuses."""
    adv = {"Authorization": f"Bearer {keys['adviser']}"}
    prov = {"Authorization": f"Bearer {keys['provider']}"}
    statuses = []
    r = http.post("/v1/match", json={"profile": PROFILE, "limit": 5}, headers=adv)
    statuses.append(r.status_code)
    bad_profile = {**PROFILE, "max_distance_km": -17.3125, "home": {"insee": "99999"}}
    statuses.append(http.post("/v1/match", json={"profile": bad_profile}, headers=adv).status_code)
    r = http.post("/v1/prescriptions", json={"session_id": sid, "jobseeker_ref": REF, "note": NOTE,
                                             "publics": ["bpi"]}, headers=adv)
    statuses.append(r.status_code)
    pid = r.json()["id"]
    statuses.append(http.post("/v1/prescriptions", json={"session_id": sid, "jobseeker_ref": REF},
                              headers=adv).status_code)  # 409 already prescribed
    statuses.append(http.post("/v1/prescriptions", json={"session_id": sid, "jobseeker_ref": REF_IDEM},
                              headers={**adv, "Idempotency-Key": IDEMPOTENCY_KEY}).status_code)
    statuses.append(http.post("/v1/prescriptions", json={"session_id": sid, "jobseeker_ref": REF_IDEM + "x"},
                              headers={**adv, "Idempotency-Key": IDEMPOTENCY_KEY}).status_code)  # 422 reused
    statuses.append(http.post("/v1/prescriptions", json={"session_id": sid, "jobseeker_ref": f"{REF} {NOTE}"},
                              headers=adv).status_code)  # 422: the invalid value is not echoed in logs either
    statuses.append(http.get("/v1/prescriptions", params={"code": r.json()["code"]}, headers=prov).status_code)
    statuses.append(http.patch(f"/v1/prescriptions/{pid}", json={"status": "refused", "reason": REASON},
                               headers=prov).status_code)
    entries = {"entries": [{"session_id": sid, "jobseeker_ref": REF_ENTRY, "entered_on": "2026-01-05"}]}
    statuses.append(http.post("/v1/entries", json=entries, headers=prov).status_code)
    statuses.append(http.get("/v1/prescriptions", headers={"Authorization": f"Bearer {keys['adviser']}x"}).status_code)
    statuses.append(http.get("/metrics", headers={"Authorization": f"Bearer {keys['adviser']}"}).status_code)
    return statuses


@pytest.fixture
def captured():
    """Every log record of the process (the app's loggers and all others), as formatted JSON lines.
    Attached by `captured.start()`, after create_app (which replaces the app logger's handlers)."""
    lines = Captured()

    class Capture(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))
            lines.append(record.getMessage() + repr(record.args))

    handler = Capture(level=logging.DEBUG)
    handler.setFormatter(JsonFormatter())
    loggers = [logging.getLogger(), logging.getLogger("parcours_fle"), logging.getLogger("uvicorn"),
               logging.getLogger("uvicorn.error"), logging.getLogger("uvicorn.access")]

    def start() -> None:
        for lg in loggers:
            lg.addHandler(handler)

    lines.start = start
    yield lines
    for lg in loggers:
        lg.removeHandler(handler)


class Captured(list):
    start: object


def test_no_personal_value_nor_key_in_the_app_logs(database_url, captured):
    app = create_app(make_settings(database_url, log_level="DEBUG", metrics_token="metrics-token-xyz"))
    captured.start()
    with TestClient(app, raise_server_exceptions=False) as client:
        with app.state.database.session(write=True) as db:
            keys = {"adviser": create_key(db, role=Role.ADVISER, name="Conseiller")[1],
                    "provider": create_key(db, role=Role.PROVIDER, siret=SIRET, name="OF")[1],
                    "admin": create_key(db, role=Role.ADMIN, name="Admin")[1]}
        r = client.put(f"/v1/offers/carif-idf/{unique('PRIV_')}", json=offer_body(
            sessions=[session_body("S1", location={"address": "1 rue", "postcode": "93200"})]),
            headers={"Authorization": f"Bearer {keys['admin']}"})
        statuses = journey(client, keys, r.json()["sessions"][0]["id"])
    assert statuses == [200, 422, 201, 409, 201, 422, 422, 200, 200, 200, 401, 401], statuses
    logged = "\n".join(captured)
    assert '"route": "/v1/match"' in logged and '"route": "/v1/prescriptions"' in logged  # the journey was logged
    leaked = [s for s in secrets_of(list(keys.values())) + ["metrics-token-xyz"] if s in logged]
    assert not leaked, leaked


def test_database_errors_log_no_values(database_url, captured):
    """A statement that fails with personal data bound to it: neither the exception text nor the
    log line carries the value (bound parameters hidden, PostgreSQL's DETAIL masked)."""
    database = Database(database_url)
    captured.start()
    log = logging.getLogger("parcours_fle.errors")
    table = unique("t_priv_")
    try:
        with database.engine.begin() as conn:
            conn.execute(text(f"CREATE TABLE {table} (ref VARCHAR(100) UNIQUE)"))
        with pytest.raises(Exception) as raised, database.engine.begin() as conn:
            conn.execute(text(f"INSERT INTO {table} (ref) VALUES (:ref)"), [{"ref": REF}, {"ref": REF}])
        assert REF not in str(raised.value.args) or database.engine.dialect.name == "postgresql"
        assert "[parameters:" not in str(raised.value)
        try:
            raise raised.value
        except Exception:
            log.exception("unhandled error")
    finally:
        with database.engine.begin() as conn:
            conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
        database.dispose()
    logged = "\n".join(captured)
    assert "unhandled error" in logged and REF not in logged, logged[-2000:]


def test_no_personal_value_nor_key_on_a_real_server_stderr(database_url, tmp_path):
    """The production logging setup (JSON logs, uvicorn at warning, no uvicorn access log), at DEBUG
    for the app, with rate limiting on so a 429 is in the journey too."""
    with LiveServer(database_url, workers=1, env={"LOG_LEVEL": "DEBUG", "METRICS_TOKEN": "metrics-token-xyz",
                                                  "RATE_LIMIT_ENABLED": "true", "RATE_LIMIT_PER_MINUTE": "40",
                                                  "RATE_LIMIT_FILE": str(tmp_path / "buckets.sqlite3")}) as server:
        database = Database(database_url)
        with database.session(write=True) as db:
            keys = {"adviser": create_key(db, role=Role.ADVISER, name="Conseiller live")[1],
                    "provider": create_key(db, role=Role.PROVIDER, siret=SIRET, name="OF live")[1],
                    "admin": create_key(db, role=Role.ADMIN, name="Admin live")[1]}
        database.dispose()
        with httpx.Client(base_url=server.url, trust_env=False, timeout=30) as http:
            r = http.put(f"/v1/offers/carif-idf/{unique('PRIVL_')}", json=offer_body(
                sessions=[session_body("S1", location={"address": "1 rue", "postcode": "93200"})]),
                headers={"Authorization": f"Bearer {keys['admin']}"})
            assert r.status_code == 201, r.text
            statuses = journey(http, keys, r.json()["sessions"][0]["id"])
            adv = {"Authorization": f"Bearer {keys['adviser']}"}
            limited = [http.post("/v1/match", json={"profile": PROFILE}, headers=adv).status_code for _ in range(45)]
            http.get("/v1/offers", headers={"Authorization": "Bearer pfle_\x01\x02_" + keys["adviser"]})
        time.sleep(0.5)  # let the worker flush stderr
        logged = server.stderr_tail(10**8)
    assert statuses[:3] == [200, 422, 201] and 429 in limited, (statuses, limited)
    assert '"route": "/v1/match"' in logged and '"status": 429' in logged
    leaked = [s for s in secrets_of(list(keys.values())) + ["metrics-token-xyz"] if s in logged]
    assert not leaked, leaked
