"""The core: exclusion counting, the counting invariant, result shape, privacy."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from app.matching.core import EXCLUSION_ORDER, HARD_REASONS, match
from app.matching.snapshot import Snapshot
from app.reference.catalogue_codes import Modality, SessionStatus
from app.reference.levels import Level, Literacy
from app.reference.publics import Public

from .helpers import SAINT_DENIS, TENSION, TODAY, cand, profile, slot

FAR = {"lat": 43.2965, "lon": 5.3698}  # Marseille

REQUIRED = {"level", "literacy", "publics", "distance", "schedule", "dates", "places", "sector", "target",
            "cost", "childcare"}


def run(p, candidates, limit=20, today=TODAY):
    return match(p, SAINT_DENIS, Snapshot.build(candidates), today=today, limit=limit, tension=TENSION)


def test_each_session_counted_once_under_its_first_failing_reason() -> None:
    p = profile(level="A1", literacy="full", publics=["jobseeker"],
                availability=[{"day": "mon", "start": "09:00", "end": "12:00"}])
    sessions = [
        cand(1),  # passes
        cand(2, **FAR, status=SessionStatus.FULL, places_available=0),  # distance first
        cand(3, modality=Modality.REMOTE, status=SessionStatus.CANCELLED),  # remote → distance
        cand(4, status=SessionStatus.FULL, start_date=date(2020, 1, 1)),  # status before dates
        cand(5, start_date=date(2020, 1, 1), places_available=0),  # dates before places
        cand(6, places_available=0, entry_min=Level.B2),  # places before level
        cand(7, entry_min=Level.B2, literacy_accepted=frozenset({Literacy.NONE})),  # level
        cand(8, literacy_accepted=frozenset({Literacy.NONE}), publics=frozenset({Public.BPI})),  # literacy
        cand(9, publics=frozenset({Public.BPI}), schedule=(slot("tue", "09:00", "12:00"),)),  # publics
        cand(10, schedule=(slot("tue", "09:00", "12:00"),)),  # schedule
        cand(11, schedule=(slot("mon", "09:00", "12:00"),)),  # passes
    ]
    out = run(p, sessions)
    assert list(out.excluded) == list(EXCLUSION_ORDER)
    assert out.excluded == {"distance": 2, "status": 1, "dates": 1, "places": 1, "level": 1, "literacy": 1,
                            "publics": 1, "schedule": 1}
    assert out.candidates == 11 and out.total_results == 2
    assert out.candidates == out.total_results + sum(out.excluded.values())
    assert {r.session_id for r in out.results} == {1, 11}


def test_counts_agree_with_the_scalar_rules() -> None:
    p = profile(level="A2", literacy="partial", publics=["cir_signatory"], max_distance_km=10)
    sessions = [cand(i, entry_min=Level.A1 if i % 3 else Level.B1, status=SessionStatus.FULL if i % 7 == 0
                     else SessionStatus.OPEN, places_available=i % 5, lat=48.9268 - 0.01 * (i % 15),
                     literacy_accepted=frozenset({Literacy.FULL}) if i % 11 == 0 else frozenset())
                for i in range(1, 200)]
    out = run(p, sessions)
    from app.matching.context import build_context

    ctx = build_context(p, SAINT_DENIS, today=TODAY, tension=TENSION)
    expected = dict.fromkeys(EXCLUSION_ORDER, 0)
    for c in sessions:
        for name in EXCLUSION_ORDER:
            if HARD_REASONS[name](ctx, c).status == "unmet":
                expected[name] += 1
                break
    assert out.excluded == expected
    assert out.candidates == out.total_results + sum(expected.values())


def test_result_shape_and_reasons() -> None:
    p = profile(level="A1", permit_goal="csp", sectors=["btp"])
    out = run(p, [cand(1, lat=48.8566, lon=2.3522, entry_min=Level.A1_1, entry_max=Level.A2,
                       target_level=Level.A2),
                  cand(2, modality=Modality.REMOTE)], limit=5)
    assert out.target_level is Level.A2
    assert out.available_from == TODAY
    [r] = out.results  # the remote one is excluded (remote_ok false)
    assert r.session_id == 1 and r.offer_id == 1
    assert r.distance_km == 7.9 and r.travel_minutes == 35
    assert 0 <= r.score <= 100
    criteria = [x.criterion for x in r.reasons]
    assert set(criteria) >= REQUIRED
    assert len(criteria) == len(set(criteria))
    assert all(x.status in ("met", "partial", "unknown") for x in r.reasons
               if x.criterion in HARD_REASONS)
    level = next(x for x in r.reasons if x.criterion == "level")
    assert level.detail == "Niveau A1 compris dans l'entrée A1.1–A2 ; mène au A2"
    assert out.excluded["distance"] == 1


def test_remote_result_has_no_distance() -> None:
    out = run(profile(remote_ok=True), [cand(1, modality=Modality.REMOTE)])
    [r] = out.results
    assert r.distance_km is None and r.travel_minutes is None


def test_unknown_place_result_has_no_distance() -> None:
    out = run(profile(), [cand(1, lat=None, lon=None)])
    [r] = out.results
    assert r.distance_km is None and r.travel_minutes is None
    assert next(x for x in r.reasons if x.criterion == "distance").status == "unknown"


def test_available_from_defaults_to_the_given_today() -> None:
    later = TODAY + timedelta(days=200)
    out = run(profile(), [cand(1, start_date=later + timedelta(days=5))], today=later)
    assert out.available_from == later and out.total_results == 1


def test_empty_snapshot() -> None:
    out = run(profile(), [])
    assert out.results == [] and out.candidates == 0 and out.total_results == 0
    assert out.excluded == dict.fromkeys(EXCLUSION_ORDER, 0)


def test_dead_rows_are_not_candidates() -> None:
    snap = Snapshot.build([cand(1), cand(2, status=SessionStatus.FULL), cand(3)])
    snap = snap.apply([], [2, 3])
    out = match(profile(), SAINT_DENIS, snap, today=TODAY, limit=10, tension=TENSION)
    assert out.candidates == 1 and out.total_results == 1 and sum(out.excluded.values()) == 0


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_profile_is_not_logged() -> None:
    root = logging.getLogger()
    handler, level = _Collect(), root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        run(profile(publics=["bpi"], needs_childcare=True), [cand(1), cand(2, **FAR)])
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    assert [r for r in handler.records if r.name.startswith("app.matching")] == []
