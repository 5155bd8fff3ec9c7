"""The deployment's leader lock (app/core/leader.py): one holder at a time, named to everyone,
taken over as soon as the holder lets go or loses its connection; and the expiry loop idles in
every process but the leader."""

from __future__ import annotations

import asyncio

import psycopg
import pytest

from app.core.leader import Leadership
from app.prescriptions import expiry
from tests.services import psycopg_url


def _pair(url: str) -> tuple[Leadership, Leadership]:
    first, second = Leadership(url), Leadership(url)
    second.name = first.name + "-second"  # two "processes" in one test process
    return first, second


def test_sqlite_one_leader_then_the_other(tmp_path):
    url = f"sqlite:///{tmp_path}/app.db"
    first, second = _pair(url)
    try:
        assert first.poll() and first.poll()
        assert not second.poll()
        assert second.holder(None) == first.name == first.holder(None)
        first.stop()
        assert second.holder(None) is None
        assert second.poll() and second.holder(None) == second.name
    finally:
        first.stop()
        second.stop()


def test_in_memory_sqlite_always_leads():
    lead = Leadership("sqlite://")
    assert lead.poll() and lead.is_leader and lead.holder(None) == lead.name


@pytest.mark.postgres
def test_postgres_one_leader_then_the_other(fresh_postgres_url):
    from app.core.db import Database

    database = Database(fresh_postgres_url)
    first, second = _pair(fresh_postgres_url)
    try:
        assert first.poll() and not second.poll() and first.poll()
        with database.session() as db:
            assert second.holder(db) == first.name
        # The leader's connection ends (its process killed, its host gone): the lock goes with it.
        with psycopg.connect(psycopg_url(fresh_postgres_url), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                          ("parcours-fle leader " + first.name,))
        assert second.poll()
        assert not first.poll()  # the former leader learns it at its next check
        with database.session() as db:
            assert first.holder(db) == second.name
        second.stop()
        assert first.poll()  # a clean stop hands over at once
    finally:
        first.stop()
        second.stop()
        database.dispose()


def test_expiry_runs_only_while_leading(monkeypatch):
    runs: list[bool] = []
    leading = {"now": False}
    monkeypatch.setattr(expiry, "expire_due", lambda database: runs.append(leading["now"]) or 0)
    monkeypatch.setattr(expiry, "LEADER_CHECK_SECONDS", 0.05)

    async def scenario() -> None:
        task = asyncio.create_task(expiry.expiry_loop(None, 3600, leads=lambda: leading["now"]))
        await asyncio.sleep(0.3)
        assert runs == []  # not the leader: never runs
        leading["now"] = True
        await asyncio.sleep(0.3)
        assert runs == [True]  # the new leader runs at once, then waits for its interval
        leading["now"] = False
        await asyncio.sleep(0.1)
        leading["now"] = True  # leads again (lost and regained): runs at once again
        await asyncio.sleep(0.3)
        task.cancel()

    asyncio.run(scenario())
    assert runs == [True, True]
