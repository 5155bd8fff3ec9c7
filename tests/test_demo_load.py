"""`parcours-fle demo`: loads the shipped catalogue, idempotently, with dates moved to this week."""

from __future__ import annotations

from datetime import date, timedelta

from app.catalogue.demo import load_demo, week_shift
from app.catalogue.repository import count_live_sessions


def test_week_shift_keeps_weekdays():
    ref = date(2026, 12, 7)
    for today in [date(2026, 12, 7), date(2027, 3, 4), date(2026, 1, 1)]:
        delta = week_shift(ref, today)
        assert delta.days % 7 == 0
        assert (ref + delta) <= today < (ref + delta + timedelta(days=7))


def test_demo_loads_and_is_idempotent(api):
    database = api.app.state.database
    first = load_demo(database, today=date(2027, 2, 10))
    assert first.offers >= 150 and first.sessions >= 400
    assert first.created + first.updated == first.offers
    again = load_demo(database, today=date(2027, 2, 11))  # same week: nothing changes
    assert again.unchanged == again.offers
    with database.session() as db:
        assert count_live_sessions(db) >= 400
    page = api.get("/v1/offers", params={"region": "11", "limit": 200}).json()
    assert len(page["items"]) >= 40
    starts = [s["start_date"] for o in page["items"] for s in o["sessions"] if s["start_date"]]
    assert min(starts) >= "2026-09-01" and max(starts) <= "2028-03-01"
    month = [s for o in page["items"] for s in o["sessions"] if s["start_precision"] == "month" and s["start_date"]]
    assert all(s["start_date"].endswith("-01") for s in month)
