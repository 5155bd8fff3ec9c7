"""The command line, run as a user would (subprocess), on a fresh SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str], database_file: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database_file}"}
    proc = subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def database_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "cli.db"
    run(["migrate"], path)
    return path


def test_keys_create_list_revoke(database_file):
    out = run(["keys", "create", "--role", "adviser", "--name", "Awa Diallo", "--organisation",
               "France Travail Saint-Denis", "--contact", "awa.diallo@example.org"], database_file)
    key = out.stdout.strip().splitlines()[-1]
    assert key.startswith("pfle_") and len(key) > 40
    listed = run(["keys", "list"], database_file).stdout
    assert "Awa Diallo" in listed and key not in listed and key.split("_", 2)[2][:8] not in listed
    prefix = key.split("_")[1]
    run(["keys", "revoke", prefix], database_file)
    assert run(["keys", "revoke", "nope"], database_file, check=False).returncode == 1

    from app.auth.keys import verify_key
    from app.core.db import Database

    with Database(f"sqlite:///{database_file}").session() as db:
        assert verify_key(db, key) is None


def test_keys_create_checks_scope(database_file):
    assert run(["keys", "create", "--role", "sync", "--name", "CARIF"], database_file, check=False).returncode == 2
    assert run(["keys", "create", "--role", "provider", "--name", "OF", "--siret", "12"], database_file, check=False).returncode == 2
    assert run(["keys", "create", "--role", "boss", "--name", "x"], database_file, check=False).returncode == 2
    ok = run(["keys", "create", "--role", "sync", "--name", "CARIF IDF", "--source", "carif-idf"], database_file)
    assert ok.stdout.strip().splitlines()[-1].startswith("pfle_")
