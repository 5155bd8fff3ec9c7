"""Time the pure matching core on a synthetic 100,000-session snapshot.

    .venv/bin/python bench/match_core.py [--sessions 100000] [--repeat 200]

Sessions are placed in real communes drawn by population (so a Saint-Denis home has the density of
the Paris area around it), with realistic shares of unknown facts. Prints build/apply/match timings.
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import time
from datetime import date, timedelta

from app.catalogue.schemas import Slot
from app.matching.candidate import Candidate, TimeSlot
from app.matching.core import match
from app.matching.profile import Home, MatchRequest, Profile, resolve_home
from app.matching.snapshot import Snapshot
from app.reference import communes
from app.reference.catalogue_codes import DatePrecision, Day, Kind, Modality, SessionStatus
from app.reference.funders import Funder
from app.reference.levels import LEVELS, Literacy
from app.reference.publics import Public
from app.reference.sectors import Sector
from app.reference.tension import default_tension

TODAY = date(2026, 3, 2)

SCHEDULES = [
    (TimeSlot(Day.MON, "09:00", "12:00"), TimeSlot(Day.THU, "09:00", "12:00")),
    (TimeSlot(Day.TUE, "14:00", "17:00"), TimeSlot(Day.FRI, "14:00", "17:00")),
    tuple(TimeSlot(d, "09:00", "12:30") for d in (Day.MON, Day.TUE, Day.WED, Day.THU, Day.FRI)),
    tuple(TimeSlot(d, "13:30", "16:30") for d in (Day.MON, Day.TUE, Day.THU)),
    (TimeSlot(Day.SAT, "10:00", "12:00"),),
    (TimeSlot(Day.WED, "18:00", "20:00"),),
]


def synthetic_candidates(n: int, seed: int = 1) -> list[Candidate]:
    rnd = random.Random(seed)
    places = [c for c in communes.all_communes() if c.population]
    cum = list(itertools.accumulate(c.population for c in places))
    out = []
    offer_id = 0
    sid = 0
    while sid < n:
        offer_id += 1
        kind = rnd.choice(list(Kind))
        lo = rnd.randrange(0, 5)
        hi = min(lo + rnd.randrange(0, 3), 7)
        tgt = min(hi + 1, 7)
        offer = dict(
            offer_id=offer_id,
            kind=kind,
            modality=rnd.choices(list(Modality), weights=(85, 8, 7))[0],
            entry_min=LEVELS[lo] if rnd.random() < 0.8 else None,
            entry_max=LEVELS[hi] if rnd.random() < 0.6 else None,
            target_level=LEVELS[tgt] if rnd.random() < 0.7 else None,
            literacy_accepted=frozenset(rnd.sample(list(Literacy), rnd.randrange(0, 3))),
            publics=frozenset(rnd.sample([p for p in Public], rnd.choice((0, 0, 1, 2)))),
            audience=frozenset(rnd.sample(list(Public), rnd.choice((0, 1, 2)))),
            sectors=frozenset(rnd.sample(list(Sector), rnd.choice((0, 1, 1, 2)))),
            rome_codes=frozenset(rnd.sample(["F1703", "K1302", "K2204", "G1602", "N1103", "H2102"],
                                            rnd.choice((0, 1, 2)))),
            funders=(rnd.choice(list(Funder)),),
            childcare=rnd.choice((None, None, True, False)),
            cost_to_learner=rnd.choice((None, 0.0, 0.0, 0.0, 150.0)),
            quality=rnd.random(),
        )
        home_town = rnd.choices(places, cum_weights=cum)[0]
        for _ in range(rnd.randrange(1, 20)):
            sid += 1
            start = TODAY + timedelta(days=rnd.randrange(-120, 240))
            rolling = rnd.random() < 0.2
            out.append(Candidate(
                session_id=sid,
                **offer,
                status=rnd.choices(list(SessionStatus), weights=(80, 8, 4, 5, 3))[0],
                start_date=start if rnd.random() < 0.85 else None,
                start_precision=DatePrecision.MONTH if rnd.random() < 0.1 else DatePrecision.DAY,
                end_date=start + timedelta(days=rnd.randrange(20, 200)) if rnd.random() < 0.7 else None,
                rolling_entry=rolling,
                schedule=rnd.choice(SCHEDULES) if rnd.random() < 0.7 else (),
                places_available=rnd.choice((None, None, 0, 1, 3, 8, 12)),
                lat=home_town.lat + rnd.uniform(-0.01, 0.01),
                lon=home_town.lon + rnd.uniform(-0.01, 0.01),
                city=home_town.name,
                region=home_town.region,
            ))
            if sid >= n:
                break
    return out


PROFILES = {
    "common (Saint-Denis, 20 km, weekday mornings)": MatchRequest(profile=Profile(
        level="A1", literacy="full", permit_goal="csp", sectors=["btp", "proprete"],
        home=Home(insee="93066"), publics=["cir_signatory", "jobseeker"],
        availability=[Slot(day=d, start="08:30", end="13:00") for d in ("mon", "tue", "wed", "thu", "fri")],
        needs_childcare=True)),
    "wide (Paris 11e, 60 min, remote ok, any time)": MatchRequest(profile=Profile(
        level="A2", home=Home(postcode="75011"), max_travel_minutes=60, remote_ok=True,
        start_within_days=365)),
    "rural (lat/lon in Creuse, car 40 km)": MatchRequest(profile=Profile(
        level="A0", literacy="none", home=Home(lat=46.17, lon=1.87), transport="car",
        max_distance_km=40)),
    "worst case (remote ok, 20000 km, 10 years, limit 200)": MatchRequest(limit=200, profile=Profile(
        level="A1", home=Home(insee="75056"), max_distance_km=20000, remote_ok=True,
        start_within_days=3660, sectors=["btp"], publics=["bpi"], needs_childcare=True)),
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=200)
    args = ap.parse_args()

    t0 = time.perf_counter()
    cands = synthetic_candidates(args.sessions)
    t1 = time.perf_counter()
    snap = Snapshot.build(cands)
    t2 = time.perf_counter()
    print(f"{snap.count} sessions: generated in {t1 - t0:.2f} s, Snapshot.build in {t2 - t1:.2f} s")

    rnd = random.Random(2)
    apply_times = []
    for _ in range(50):
        changed = [cands[rnd.randrange(len(cands))] for _ in range(3)]
        changed = [Candidate(**{**{f: getattr(c, f) for f in c.__slots__},
                                "places_available": rnd.randrange(0, 5)}) for c in changed]
        t = time.perf_counter()
        snap = snap.apply(changed, [])
        apply_times.append(time.perf_counter() - t)
    print(f"apply (3 places updates): median {statistics.median(apply_times) * 1e3:.1f} ms")

    tension = default_tension()
    for name, req in PROFILES.items():
        home = resolve_home(req.profile.home)
        match(req.profile, home, snap, today=TODAY, limit=req.limit, tension=tension)  # warm-up
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            out = match(req.profile, home, snap, today=TODAY, limit=req.limit, tension=tension)
            times.append(time.perf_counter() - t)
        times.sort()
        p50 = times[len(times) // 2] * 1e3
        p95 = times[int(len(times) * 0.95) - 1] * 1e3
        print(f"{name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms — {out.total_results} pass, "
              f"{len(out.results)} returned, excluded {out.excluded}")


if __name__ == "__main__":
    main()
