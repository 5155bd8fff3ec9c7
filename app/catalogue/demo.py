"""Load the shipped demo catalogue (`seed/demo_catalogue.json`).

Dates in the file are written around a reference Monday; they are shifted by whole weeks so the
reference lands on the current week (weekdays kept), so the demo stays useful whatever the day.
Month-precision dates stay on month boundaries. Loading twice the same week changes nothing."""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from app.catalogue.schemas import OfferIn
from app.catalogue.service import upsert_offer
from app.core.clock import paris_today
from app.core.db import Database

ROOT = Path(__file__).resolve().parent.parent.parent
DEMO_FILE = ROOT / "seed" / "demo_catalogue.json"



def week_shift(reference: date, today: date) -> timedelta:
    ref_monday = reference - timedelta(days=reference.weekday())
    this_monday = today - timedelta(days=today.weekday())
    return this_monday - ref_monday


def _shift(d: str | None, precision: str, delta: timedelta, *, is_end: bool) -> str | None:
    if d is None:
        return None
    moved = date.fromisoformat(d) + delta
    if precision == "month":
        if is_end:
            moved = moved.replace(day=calendar.monthrange(moved.year, moved.month)[1])
        else:
            moved = moved.replace(day=1)
    elif precision == "year":
        moved = moved.replace(month=12, day=31) if is_end else moved.replace(month=1, day=1)
    return moved.isoformat()


def shifted_offer(raw: dict, delta: timedelta) -> OfferIn:
    data = json.loads(json.dumps(raw))
    if data.get("source_updated_at"):
        stamp = datetime.fromisoformat(data["source_updated_at"].replace("Z", "+00:00"))
        data["source_updated_at"] = (stamp + delta).isoformat()
    for s in data.get("sessions", []):
        s["start_date"] = _shift(s.get("start_date"), s.get("start_precision", "day"), delta, is_end=False)
        s["end_date"] = _shift(s.get("end_date"), s.get("end_precision", "day"), delta, is_end=True)
    return OfferIn.model_validate(data)


@dataclass
class DemoReport:
    offers: int = 0
    sessions: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def load_demo(database: Database, path: Path = DEMO_FILE, today: date | None = None) -> DemoReport:
    doc = json.loads(path.read_text(encoding="utf-8"))
    delta = week_shift(date.fromisoformat(doc["reference_date"]), today or paris_today())
    report = DemoReport()
    with database.session(write=True) as db:
        for item in doc["offers"]:
            offer = shifted_offer(item["offer"], delta)
            result = upsert_offer(db, item["source"], item["external_id"], offer, raw_format="demo")
            report.offers += 1
            report.sessions += len(offer.sessions)
            if result.created:
                report.created += 1
            elif result.changed:
                report.updated += 1
            else:
                report.unchanged += 1
    return report
