"""The disk holding the SQLite database fills up under a running server.

Writes that need space get a clean 507 problem+json (`storage-full`; never a 500), with nothing
half-written; reads go on; `PRAGMA integrity_check` stays ok; once space is freed, writes work
again without a restart.

The full disk is a small tmpfs mounted for the test (needs root, as on the CI machine). Where
mounting is not allowed the test is skipped locally and fails in CI (tests/services.py policy).
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
from pathlib import Path

import pytest

from app.catalogue.demo import load_demo
from app.core.clock import paris_today
from app.core.db import Database
from bench.gen_lheo import write_feed
from tests.api.factories import offer_body, session_body
from tests.faults.helpers import (
    assert_problem,
    client,
    integrity_check,
    new_database,
    sql,
    sqlite_path,
    sqlite_url,
    start_app,
)

pytestmark = pytest.mark.faults


@contextlib.contextmanager
def small_disk(directory: Path, size: str = "48m"):
    directory.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(directory)],
                       capture_output=True, text=True, check=False)
    if r.returncode != 0:
        from tests.services import require_or_skip

        require_or_skip("a mountable tmpfs", f"mount failed ({r.stderr.strip() or r.returncode}): needs root")
    try:
        yield directory
    finally:
        subprocess.run(["umount", "-l", str(directory)], check=False)


def fill(directory: Path) -> Path:
    """Take every free byte of the filesystem with one file."""
    filler = directory / "filler"
    chunk = b"\0" * (1 << 20)
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(chunk)
        except OSError:
            pass
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError:
            pass
    return filler


def big_offer(n: int) -> dict:
    summary = ("Cours de français à visée professionnelle, oral et écrit, " * 150)[:9000]
    return offer_body(title=f"Offre volumineuse {n}", summary=summary,
                      sessions=[session_body(f"S{i}", capacity=10, places_available=10) for i in range(60)])


def test_disk_full_writes_refused_cleanly_reads_go_on(tmp_path):
    with small_disk(tmp_path / "disk") as disk:
        url = sqlite_url(disk)
        path = sqlite_path(url)
        keys = new_database(url, admin={}, adviser={"organisation": "OFII"})
        db = Database(url)
        load_demo(db)
        db.dispose()
        server = start_app(url)
        try:
            with client(server.url, keys["admin"]) as admin, client(server.url, keys["adviser"]) as adviser:
                offer_id = admin.get("/v1/offers", params={"limit": 1}).json()["items"][0]["id"]
                sid = admin.put("/v1/offers/carif-idf/DISK-1", json=offer_body()).json()["sessions"][0]["id"]
                filler = fill(disk)
                assert os.statvfs(disk).f_bavail == 0

                statuses = []
                for n in range(60):  # the WAL has some room left: write until the disk says no
                    r = admin.put(f"/v1/offers/carif-idf/DISK-BIG-{n}", json=big_offer(n))
                    statuses.append(r.status_code)
                    if r.status_code == 507:
                        break
                    assert r.status_code == 201, r.text
                body = assert_problem(r, 507)
                assert body["type"].endswith("storage-full") and r.headers.get("retry-after")
                refused_ext = f"DISK-BIG-{len(statuses) - 1}"
                # Other writes: the same clean answer (or success when they fit in the WAL's room).
                feed = io.StringIO()
                write_feed(feed, 200, seed=3, anchor=paris_today())
                r = admin.post("/v1/imports/lheo?source=carif-disk&mode=full", content=feed.getvalue().encode(),
                               headers={"Content-Type": "application/xml"})
                assert r.status_code == 200 or assert_problem(r, 507)
                print(f"disk full: {len(statuses) - 1} big offers written, then 507; import {r.status_code}", end="")
                r = adviser.post("/v1/prescriptions", json={"session_id": sid, "jobseeker_ref": "DISK-FULL"})
                assert r.status_code == 201 or assert_problem(r, 507)
                print(f", prescription {r.status_code}")
                # Reads go on.
                assert admin.get(f"/v1/offers/{offer_id}").status_code == 200
                assert admin.get("/v1/offers", params={"limit": 50}).status_code == 200
                assert admin.get("/v1/search", params={"q": "français"}).status_code == 200
                assert adviser.post("/v1/match", json={"profile": {"level": "A1", "home": {"insee": "93066"}}}
                                    ).status_code == 200
                assert sql(path, "SELECT count(*) FROM offer WHERE external_id = ?", refused_ext) == [(0,)]
                assert integrity_check(path) == "ok"

                filler.unlink()  # space again: writes work, same server
                r = admin.put(f"/v1/offers/carif-idf/{refused_ext}", json=big_offer(999))
                assert r.status_code == 201, r.text
                r = adviser.post("/v1/prescriptions", json={"session_id": sid, "jobseeker_ref": "DISK-FREED"})
                assert r.status_code == 201, r.text
                assert server.proc.poll() is None
        finally:
            server.stop()
        assert integrity_check(path) == "ok"
