"""Builders shared by the matching tests."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date
from typing import Any

import numpy as np

from app.matching.candidate import Candidate, TimeSlot
from app.matching.context import MatchContext, build_context
from app.matching.core import evaluate
from app.matching.geography import measure
from app.matching.profile import HomePoint, Profile
from app.matching.snapshot import Snapshot
from app.reference.catalogue_codes import Day
from app.reference.sectors import Sector

TODAY = date(2026, 3, 2)  # a Monday
SAINT_DENIS = HomePoint(lat=48.9268, lon=2.3657, label="Saint-Denis", region="11")


class FakeTension:
    """BTP and ROME K1302 (aide à domicile) are in shortage in Île-de-France (11) only."""

    def sectors_in(self, region: str) -> frozenset[Sector]:
        return frozenset({Sector.BTP}) if region == "11" else frozenset()

    def rome_codes_in(self, region: str) -> frozenset[str]:
        return frozenset({"K1302"}) if region == "11" else frozenset()


TENSION = FakeTension()


def profile(**kw: Any) -> Profile:
    data: dict[str, Any] = {"level": "A1", "home": {"insee": "93066"}}
    data.update(kw)
    return Profile.model_validate(data)


def ctx_of(p: Profile | None = None, home: HomePoint = SAINT_DENIS, today: date = TODAY,
           **kw: Any) -> MatchContext:
    return build_context(p or profile(**kw), home, today=today, tension=TENSION)


def cand(session_id: int = 1, **kw: Any) -> Candidate:
    """A session that passes a default profile: open, near Saint-Denis (Paris 18e), facts unknown."""
    base: dict[str, Any] = {"session_id": session_id, "offer_id": kw.pop("offer_id", session_id),
                            "lat": 48.8925, "lon": 2.3444, "city": "Paris"}
    base.update(kw)
    return Candidate(**base)


def slot(day: str, start: str, end: str) -> TimeSlot:
    return TimeSlot(Day(day), start, end)


def with_(c: Candidate, **kw: Any) -> Candidate:
    return replace(c, **kw)


def passing_ids(ctx: MatchContext, candidates: list[Candidate]) -> set[int]:
    snap = Snapshot.build(candidates)
    rows, _ = evaluate(ctx, snap, measure(ctx, snap))
    return {int(snap.session_id[i]) for i in rows}


def candidate_fields() -> list[str]:
    return [f.name for f in fields(Candidate)]


def column_view(snap: Snapshot) -> dict[int, tuple]:
    """Per live session id, its column values with interned ids replaced by what they stand for
    (NaN as "nan"), and the Candidate it gives back — to compare two snapshots holding the same
    sessions."""
    from app.matching.snapshot import COLUMN_NAMES

    interned = {"facts_id", "city_id", "region_id", "timeslots_id"}  # covered by the Candidate (its ids depend on history)

    cols = {name: getattr(snap, name) for name in (*COLUMN_NAMES, "x", "y", "z")}
    out = {}
    for i in np.flatnonzero(snap.alive):
        values = []
        for name, col in cols.items():
            if name in interned:
                continue
            v = col[i].item()
            if name == "sched_id":
                v = None if v < 0 else snap.schedules[v]
            elif name == "rome_id":
                v = None if v < 0 else snap.rome_sets[v]
            elif isinstance(v, float) and v != v:
                v = "nan"
            values.append(v)
        values.append(snap.rows[i])
        out[int(snap.session_id[i])] = tuple(values)
    return out
