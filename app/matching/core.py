"""The matching core: profile + snapshot in, ranked sessions with reasons and exclusion counts out.

Pure: no FastAPI, no database, no logging, nothing stored. The caller resolves the home
(`profile.resolve_home`), keeps a `Snapshot` of all sessions of non-withdrawn offers up to date,
and turns the results' ids into the offer and session objects of the response.

Counting (CONTRACT § Matching): every live session of the snapshot is a candidate. Each excluded
session is counted once, under the first failing reason in `EXCLUSION_ORDER`, so
`candidates == total_results + sum(excluded)`. `results` holds the best `limit` of the
`total_results` sessions that pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np

from app.matching import dates, eligibility, geography, levels, schedule, scoring
from app.matching.candidate import Candidate
from app.matching.context import MatchContext, TensionSource, build_context
from app.matching.profile import HomePoint, Profile
from app.matching.reasons import Reason
from app.matching.snapshot import Snapshot
from app.reference.levels import Level

EXCLUSION_ORDER: tuple[str, ...] = (
    "distance", "status", "dates", "places", "level", "literacy", "publics", "schedule")

MaskFn = Callable[[MatchContext, Snapshot], np.ndarray]
ReasonFn = Callable[[MatchContext, Candidate], Reason]

# Scalar twin of every exclusion rule, by criterion.
HARD_REASONS: dict[str, ReasonFn] = {
    "level": levels.level_reason,
    "literacy": eligibility.literacy_reason,
    "publics": eligibility.publics_reason,
    "distance": geography.distance_reason,
    "schedule": schedule.schedule_reason,
    "dates": dates.dates_reason,
    "status": dates.status_reason,
    "places": dates.places_reason,
}


@dataclass(frozen=True, slots=True)
class RankedSession:
    session_id: int
    offer_id: int
    score: int
    distance_km: float | None  # None for remote sessions and unknown places; rounded to 0.1 km
    travel_minutes: int | None  # estimate (see geography.TRAVEL_MODES)
    reasons: list[Reason]


@dataclass(frozen=True, slots=True)
class MatchOutcome:
    target_level: Level
    results: list[RankedSession]
    excluded: dict[str, int]  # all eight keys, in EXCLUSION_ORDER
    candidates: int  # live sessions in the snapshot
    total_results: int  # sessions that pass every rule (results is the best `limit` of them)
    available_from: date  # the window's start actually used (profile's, else today)


def masks(ctx: MatchContext, snap: Snapshot, geo: geography.Geo | None = None) -> dict[str, MaskFn]:
    """The vectorized rules in CONTRACT order (True = excluded by this reason)."""
    geo = geo or geography.measure(ctx, snap)
    return {
        "distance": lambda c, s: geography.distance_mask(c, s, geo),
        "status": dates.status_mask,
        "dates": dates.dates_mask,
        "places": dates.places_mask,
        "level": levels.level_mask,
        "literacy": eligibility.literacy_mask,
        "publics": eligibility.publics_mask,
        "schedule": schedule.schedule_mask,
    }


def evaluate(ctx: MatchContext, snap: Snapshot, geo: geography.Geo) -> tuple[np.ndarray, dict[str, int]]:
    """(rows passing every rule, exclusion counts by first failing reason)."""
    remaining = snap.alive.copy()
    excluded: dict[str, int] = {}
    for name, fn in masks(ctx, snap, geo).items():
        hit = fn(ctx, snap) & remaining
        excluded[name] = int(np.count_nonzero(hit))
        remaining &= ~hit
    return np.flatnonzero(remaining), excluded


def reasons_for(ctx: MatchContext, c: Candidate,
                measured: tuple[float | None, int | None] | None = None) -> list[Reason]:
    """Every criterion's reason for one session: the hard rules, then the ranking criteria.
    `measured`: the row's (distance, travel minutes) when already computed."""
    return [
        levels.level_reason(ctx, c),
        eligibility.literacy_reason(ctx, c),
        eligibility.publics_reason(ctx, c),
        geography.distance_reason(ctx, c, measured),
        schedule.schedule_reason(ctx, c),
        dates.dates_reason(ctx, c),
        dates.status_reason(ctx, c),
        dates.places_reason(ctx, c),
        *(fn(ctx, c) for fn in scoring.RANKING_REASONS),
    ]


def match(profile: Profile, home: HomePoint, snapshot: Snapshot, *, today: date, limit: int = 20,
          tension: TensionSource | None = None) -> MatchOutcome:
    """Match one profile against the snapshot. `today` is the Europe/Paris date (it sets the
    default `available_from` and the daily tie-break seed)."""
    ctx = build_context(profile, home, today=today, tension=tension)
    return match_context(ctx, snapshot, limit=limit)


def match_context(ctx: MatchContext, snap: Snapshot, *, limit: int) -> MatchOutcome:
    geo = geography.measure(ctx, snap)
    passing, excluded = evaluate(ctx, snap, geo)
    score = scoring.scores(ctx, snap, passing, geo)
    pos = scoring.top(ctx, snap.session_id[passing], score, limit)
    results = []
    for i, s in zip(passing[pos].tolist(), score[pos].tolist(), strict=True):
        c = snap.rows[i]
        assert c is not None
        dist = float(geo.dist_km[i])
        measured = (None, None) if np.isnan(dist) else (dist, int(geo.travel_min[i]))
        results.append(RankedSession(
            session_id=c.session_id,
            offer_id=c.offer_id,
            score=s,
            distance_km=None if measured[0] is None else round(measured[0], 1),
            travel_minutes=measured[1],
            reasons=reasons_for(ctx, c, measured),
        ))
    return MatchOutcome(
        target_level=ctx.target_level,
        results=results,
        excluded=excluded,
        candidates=snap.count,
        total_results=len(passing),
        available_from=ctx.available_from,
    )
