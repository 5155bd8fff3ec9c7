"""`kill -9` of the whole server (supervisor and workers) in the middle of writes, then a restart on
the same SQLite file: nothing half-done may show.

- During an LHÉO import: after the restart the catalogue is exactly the old one or exactly the
  new one (every offer's content compared through the API), never a mix; the import can be sent
  again at once and completes.
- During a burst of concurrent prescriptions and cancellations: on every session, places left +
  places held by pending/accepted prescriptions = the figure last stated for it.
- Each time `PRAGMA integrity_check` is ok.
"""

from __future__ import annotations

import io
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest

from app.core.clock import paris_today
from bench.gen_lheo import write_feed
from tests.api.factories import offer_body, session_body
from tests.faults.helpers import (
    catalogue_fingerprint,
    client,
    integrity_check,
    kill9,
    new_database,
    sql,
    sqlite_path,
    sqlite_url,
    start_app,
    wait_for,
)

pytestmark = pytest.mark.faults

SOURCE = "carif-idf"


def _feed(n: int, anchor_days: int) -> bytes:
    out = io.StringIO()
    write_feed(out, n, seed=1, anchor=paris_today() + timedelta(days=anchor_days))
    return out.getvalue().encode()


def _post_import(url: str, key: str, doc: bytes, result: dict) -> None:
    try:
        with client(url, key, timeout=600) as c:
            result["response"] = c.post(f"/v1/imports/lheo?source={SOURCE}&mode=full", content=doc,
                                        headers={"Content-Type": "application/xml"})
    except httpx.HTTPError as exc:  # the server was killed under it
        result["error"] = exc


def _hidden_rows(path: str) -> int:
    return sql(path, "SELECT count(*) FROM offer WHERE change_seq < 0")[0][0]


def test_kill9_during_lheo_import_leaves_old_or_new_catalogue(tmp_path):
    url = sqlite_url(tmp_path)
    path = sqlite_path(url)
    keys = new_database(url, admin={})
    old_doc = _feed(1500, 0)  # ~1,340 FLE offers
    new_doc = _feed(3000, 7)  # the same offers a week later (all updated) and ~1,330 new ones
    server = start_app(url)
    try:
        with client(server.url, keys["admin"], timeout=600) as c:
            r = c.post(f"/v1/imports/lheo?source={SOURCE}&mode=full", content=old_doc,
                       headers={"Content-Type": "application/xml"})
            assert r.status_code == 200, r.text
        old = catalogue_fingerprint(server.url)
        assert len(old) > 1000

        # Kill points: as soon as staging has written hidden rows; half-way through staging; then
        # 0.1 s, 0.4 s and 3 s after the last hidden row was staged — in the publish transaction
        # (~0.7 s for this feed here) or just after it. Stop once the new catalogue shows.
        seen: list[tuple[str, dict]] = []
        points = [("staging started", 1, None), ("staging half-way", 600, None), ("staged + 0.1 s", 1200, 0.1),
                  ("staged + 0.4 s", 1200, 0.4), ("staged + 3 s", 1200, 3.0)]
        for point, minimum, after in points:
            result: dict = {}
            sender = threading.Thread(target=_post_import, args=(server.url, keys["admin"], new_doc, result))
            sender.start()

            def hidden(minimum: int = minimum, result: dict = result) -> int:
                if "response" in result:  # answered before the kill point: refused?
                    raise AssertionError(f"import answered {result['response'].status_code}: "
                                         f"{result['response'].text[:500]}")
                n = _hidden_rows(path)
                return n if n >= minimum else 0
            if after is None:
                wait_for(hidden, 120, f"{minimum} hidden rows", every=0.02)
            else:
                last = [-1]

                def staged_and_still(last: list = last, hidden=hidden) -> bool:
                    n, before = hidden(), last[0]
                    last[0] = n
                    return n > 0 and n == before
                wait_for(staged_and_still, 120, "the end of staging", every=0.03)
                time.sleep(after)
            kill9(server)
            sender.join(timeout=60)
            assert integrity_check(path) == "ok"
            server = start_app(url)
            now = catalogue_fingerprint(server.url)
            seen.append((point, now))
            print(f"killed at {point}: {'old' if now == old else 'changed'} catalogue, {len(now)} offers")
            if now != old:
                break  # the publish had committed: nothing left to interrupt

        # The interrupted import can be sent again at once (not refused as "already running").
        with client(server.url, keys["admin"], timeout=600) as c:
            r = c.post(f"/v1/imports/lheo?source={SOURCE}&mode=full", content=new_doc,
                       headers={"Content-Type": "application/xml"})
            assert r.status_code == 200, r.text
            runs = c.get("/v1/imports", params={"source": SOURCE}).json()["items"]
        new = catalogue_fingerprint(server.url)
        assert new != old and len(new) > len(old)
        for point, state in seen:
            assert state in (old, new), f"killed at '{point}': a catalogue that is neither the old nor the new one"
        assert _hidden_rows(path) == 0
        interrupted = [run for run in runs[1:] if run["status"] != "succeeded"]
        assert all(run["status"] == "failed" for run in interrupted), runs
    finally:
        server.stop()
    assert integrity_check(path) == "ok"


# --------------------------------------------------------------------------------------------
# Prescriptions
# --------------------------------------------------------------------------------------------

PLACES = 8
SESSIONS = 12


def _places_consistent(path: str, stated: dict[int, int]) -> list[str]:
    left = dict(sql(path, "SELECT id, places_available FROM session"))
    held = dict(sql(path, "SELECT session_id, count(*) FROM prescription WHERE place_held = 1 "
                          "AND status IN ('pending', 'accepted') GROUP BY session_id"))
    return [f"session {sid}: {left[sid]} left + {held.get(sid, 0)} held != {n}"
            for sid, n in stated.items() if left[sid] < 0 or left[sid] + held.get(sid, 0) != n]


def _burst_worker(url: str, key: str, sids: list[int], name: str, stop: threading.Event,
                  statuses: list) -> None:
    """Prescribe round the sessions (cancelling one in three) until stopped or cut off."""
    i = 0
    with client(url, key, timeout=30) as c:
        while not stop.is_set():
            i += 1
            sid = sids[(zlib.crc32(name.encode()) + i) % len(sids)]
            try:
                r = c.post("/v1/prescriptions", json={"session_id": sid, "jobseeker_ref": f"K9-{name}-{i}"},
                           headers={"Idempotency-Key": f"k9-{name}-{i}"})
                statuses.append(r.status_code)
                if r.status_code == 201 and i % 3 == 0:
                    r = c.patch(f"/v1/prescriptions/{r.json()['id']}", json={"status": "cancelled"})
                    statuses.append(r.status_code)
            except httpx.HTTPError as exc:
                statuses.append(type(exc).__name__)
                return


def test_kill9_during_prescription_burst_keeps_places_consistent(tmp_path):
    url = sqlite_url(tmp_path)
    path = sqlite_path(url)
    keys = new_database(url, admin={}, adviser={"organisation": "France Travail"})
    server = start_app(url)
    try:
        with client(server.url, keys["admin"]) as c:
            body = offer_body(sessions=[session_body(f"S{i}", capacity=PLACES, places_available=PLACES)
                                        for i in range(SESSIONS)])
            r = c.put(f"/v1/offers/{'carif-idf'}/KILL9-BURST", json=body)
            assert r.status_code == 201, r.text
            stated = {s["id"]: PLACES for s in r.json()["sessions"]}
        sids = list(stated)

        for round_ in range(2):
            stop = threading.Event()
            statuses: list[int | str] = []

            with ThreadPoolExecutor(16) as pool:
                for n in range(16):
                    pool.submit(_burst_worker, server.url, keys["adviser"], sids, f"{round_}-{n}", stop, statuses)
                wait_for(lambda statuses=statuses: statuses.count(201) >= 20, 120, "prescriptions under way")
                kill9(server)
                stop.set()
            from collections import Counter
            print(f"round {round_}: {Counter(statuses)}")
            assert 500 not in statuses, statuses
            assert integrity_check(path) == "ok"
            assert _places_consistent(path, stated) == []
            server = start_app(url)
            with client(server.url, keys["adviser"]) as c:  # the app serves again after the restart
                r = c.post("/v1/prescriptions", json={"session_id": sids[0], "jobseeker_ref": f"AFTER-{round_}"})
                assert r.status_code in (201, 409), r.text
        assert _places_consistent(path, stated) == []
    finally:
        server.stop()
    assert integrity_check(path) == "ok"
