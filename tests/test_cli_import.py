"""`parcours-fle import-lheo`, run as a user would (subprocess), on a fresh SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures" / "lheo"


def cli(args: list[str], db_file: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_file}"}
    return subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_import_lheo_prints_the_http_report(tmp_path):
    db_file = tmp_path / "cli.db"
    dry = cli(["import-lheo", str(FIX / "fle-2.2.xml"), "--source", "carif-hdf", "--full", "--dry-run"], db_file)
    assert dry.returncode == 0, dry.stderr
    report = json.loads(dry.stdout)
    assert report["dry_run"] is True and report["mode"] == "full" and report["created"] == 4
    assert "Simulation" in dry.stderr

    first = cli(["import-lheo", str(FIX / "fle-2.2.xml"), "--source", "carif-hdf", "--full"], db_file)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert {k: report[k] for k in ("created", "updated", "unchanged", "withdrawn", "skipped")} == {
        "created": 4, "updated": 0, "unchanged": 0, "withdrawn": 0, "skipped": 0}
    assert isinstance(report["warnings"], list) and report["import_id"] and report["version"] == "2.2"
    assert f"Import n°{report['import_id']}" in first.stderr and "4 créée(s)" in first.stderr

    again = json.loads(cli(["import-lheo", str(FIX / "fle-2.2.xml"), "--source", "carif-hdf", "--full"], db_file).stdout)
    assert (again["created"], again["unchanged"]) == (0, 4)

    from sqlmodel import select

    from app.core.db import Database
    from app.imports.models import ImportRun

    database = Database(f"sqlite:///{db_file}")
    with database.session() as db:
        runs = list(db.exec(select(ImportRun).order_by(ImportRun.id)))
        assert [(r.channel, r.actor_role, r.dry_run, r.status) for r in runs] == [
            ("cli", "admin", True, "succeeded"), ("cli", "admin", False, "succeeded"),
            ("cli", "admin", False, "succeeded")]
        assert runs[0].actor_name.startswith("ligne de commande")
    database.dispose()


def test_import_lheo_refuses_a_bad_document(tmp_path):
    db_file = tmp_path / "cli.db"
    bad = cli(["import-lheo", str(FIX / "truncated.xml"), "--source", "carif-hdf"], db_file)
    assert bad.returncode == 1 and bad.stdout == ""
    assert "tronqué" in bad.stderr and "n'a pas été modifié" in bad.stderr
    missing = cli(["import-lheo", str(FIX / "nope.xml"), "--source", "carif-hdf"], db_file)
    assert missing.returncode == 2
    assert cli(["import-lheo", str(FIX / "fle-2.2.xml"), "--source", "CARIF IDF"], db_file).returncode == 2


def test_import_lheo_with_worker_processes_gives_the_same_report(tmp_path):
    """`--workers 2` (what a big feed gets by default) against `--workers 0`, from a subprocess whose
    working directory is not the project (the workers must still find the app)."""
    reports = []
    for workers in ("0", "2"):
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / f'w{workers}.db'}"}
        done = subprocess.run([sys.executable, "-m", "app.cli", "import-lheo", str(FIX / "fle-2.3.xml"), "--source",
                               "carif-idf", "--full", "--workers", workers], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        reports.append(json.loads(done.stdout))
    drop = ("import_id", "duration_ms", "publish_ms")
    assert [{k: v for k, v in r.items() if k not in drop} for r in reports][0] == {
        k: v for k, v in reports[1].items() if k not in drop}
    assert reports[1]["created"] > 0
