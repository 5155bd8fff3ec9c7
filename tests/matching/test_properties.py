"""Property tests (hypothesis): vectorized and scalar rules agree; widening a limit never removes a
result; unknown facts never exclude; the same input on the same day gives the same order; an
incrementally updated snapshot equals a fresh one."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.matching.candidate import Candidate, TimeSlot
from app.matching.context import build_context
from app.matching.core import EXCLUSION_ORDER, HARD_REASONS, masks, match
from app.matching.geography import measure
from app.matching.profile import Profile
from app.matching.scoring import RANKING_REASONS, applicable, components, scores
from app.matching.snapshot import Snapshot
from app.reference.catalogue_codes import DatePrecision, Day, Kind, Modality, SessionStatus, Transport
from app.reference.levels import LEVELS, Level, Literacy, PermitGoal
from app.reference.publics import Public
from app.reference.sectors import Sector

from .helpers import SAINT_DENIS, TENSION, TODAY, column_view, passing_ids

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

PERSON_PUBLICS = [p for p in Public if p is not Public.ALL]


def _hhmm(m: int) -> str:
    return f"{m // 60:02d}:{m % 60:02d}"


# Strategies are built once here: building them inside the composites costs most of the run time.
DAY_CODES = [d.value for d in Day]
slots = st.tuples(st.sampled_from(DAY_CODES), st.integers(12, 42), st.integers(1, 8)).map(
    lambda t: (t[0], _hhmm(t[1] * 30), _hhmm(min((t[1] + t[2]) * 30, 24 * 60))))
maybe_rank = st.one_of(st.none(), st.integers(0, len(LEVELS) - 1))
bools = st.booleans()
maybe_bool = st.one_of(st.none(), bools)
kinds = st.sampled_from(list(Kind))
modalities = st.sampled_from([Modality.IN_PERSON, Modality.IN_PERSON, Modality.HYBRID, Modality.REMOTE])
literacy_sets = st.sets(st.sampled_from(list(Literacy))).map(frozenset)
publics_sets = st.sets(st.sampled_from(list(Public)), max_size=3).map(frozenset)
audience_sets = st.sets(st.sampled_from(list(Public)), max_size=2).map(frozenset)
sector_sets = st.sets(st.sampled_from(list(Sector)), max_size=2).map(frozenset)
rome_sets = st.sets(st.sampled_from(["K1302", "F1703", "G1602"]), max_size=2).map(frozenset)
costs = st.sampled_from([None, 0.0, 0.0, 50.0])
unit = st.floats(0, 1)
statuses = st.sampled_from([SessionStatus.OPEN] * 4 + list(SessionStatus))
start_precisions = st.sampled_from([DatePrecision.DAY] * 3 + list(DatePrecision))
end_precisions = st.sampled_from([DatePrecision.DAY, DatePrecision.MONTH])
maybe_offset = st.one_of(st.none(), st.integers(-200, 300))
maybe_length = st.one_of(st.none(), st.integers(0, 250))
schedules = st.lists(slots, max_size=3).map(lambda xs: tuple(TimeSlot(Day(d), a, b) for d, a, b in xs))
maybe_places = st.one_of(st.none(), st.integers(0, 3))
lats, lons = st.floats(48.5, 49.4), st.floats(1.7, 3.0)  # within ~60 km of Saint-Denis
cities = st.sampled_from([None, "Paris", "Montreuil"])
offer_ids = st.integers(1, 5)


@st.composite
def candidates(draw: Any, session_id: int) -> Candidate:
    lo = draw(maybe_rank)
    hi = draw(maybe_rank)
    if lo is not None and hi is not None and hi < lo:
        lo, hi = hi, lo
    target = draw(maybe_rank)
    offset = draw(maybe_offset)
    start = None if offset is None else TODAY + timedelta(days=offset)
    length = draw(maybe_length)
    located = draw(bools) or draw(bools)
    return Candidate(
        session_id=session_id,
        offer_id=draw(offer_ids),
        kind=draw(kinds),
        modality=draw(modalities),
        entry_min=None if lo is None else LEVELS[lo],
        entry_max=None if hi is None else LEVELS[hi],
        target_level=None if target is None else LEVELS[target],
        literacy_accepted=draw(literacy_sets),
        publics=draw(publics_sets),
        audience=draw(audience_sets),
        sectors=draw(sector_sets),
        rome_codes=draw(rome_sets),
        childcare=draw(maybe_bool),
        cost_to_learner=draw(costs),
        quality=draw(unit),
        status=draw(statuses),
        start_date=start,
        start_precision=draw(start_precisions),
        end_date=None if start is None or length is None else start + timedelta(days=length),
        end_precision=draw(end_precisions),
        rolling_entry=draw(bools),
        schedule=draw(schedules),
        places_available=draw(maybe_places),
        lat=draw(lats) if located else None,
        lon=draw(lons) if located else None,
        city=draw(cities),
    )


@st.composite
def candidate_lists(draw: Any, min_size: int = 1, max_size: int = 12) -> list[Candidate]:
    n = draw(st.integers(min_size, max_size))
    return [draw(candidates(i + 1)) for i in range(n)]


maybe_literacy = st.one_of(st.none(), st.sampled_from([lit.value for lit in Literacy]))
maybe_goal = st.one_of(st.none(), st.sampled_from([g.value for g in PermitGoal]))
sector_codes = st.sets(st.sampled_from([s.value for s in Sector]), max_size=2).map(sorted)
maybe_km = st.one_of(st.none(), st.floats(0, 60))
maybe_minutes = st.one_of(st.none(), st.integers(1, 150))
transports = st.sampled_from([t.value for t in Transport])
maybe_availability = st.one_of(st.none(), st.lists(slots, max_size=6))
maybe_from = st.one_of(st.none(), st.integers(-30, 60))
windows = st.integers(0, 200)
maybe_publics = st.one_of(st.none(), st.lists(st.sampled_from([p.value for p in PERSON_PUBLICS]),
                                              max_size=3, unique=True))


@st.composite
def profiles(draw: Any) -> Profile:
    level = draw(st.integers(0, len(LEVELS) - 1))
    target = draw(maybe_rank)
    avail = draw(maybe_availability)
    start = draw(maybe_from)
    data: dict[str, Any] = {
        "level": LEVELS[level].value,
        "literacy": draw(maybe_literacy),
        "target_level": None if target is None else LEVELS[max(target, level)].value,
        "permit_goal": draw(maybe_goal),
        "sectors": draw(sector_codes),
        "home": {"insee": "93066"},
        "max_distance_km": draw(maybe_km),
        "max_travel_minutes": draw(maybe_minutes),
        "transport": draw(transports),
        "remote_ok": draw(bools),
        "availability": None if avail is None else [{"day": d, "start": s, "end": e} for d, s, e in avail],
        "available_from": None if start is None else (TODAY + timedelta(days=start)).isoformat(),
        "start_within_days": draw(windows),
        "publics": draw(maybe_publics),
        "needs_childcare": draw(bools),
    }
    return Profile.model_validate({k: v for k, v in data.items() if v is not None})


def ctx_for(p: Profile, today: date = TODAY):
    return build_context(p, SAINT_DENIS, today=today, tension=TENSION)


# --- vectorized == scalar ---------------------------------------------------------------------------

@SETTINGS
@given(candidate_lists(max_size=25), profiles())
def test_vectorized_and_scalar_rules_agree(cands: list[Candidate], p: Profile) -> None:
    ctx = ctx_for(p)
    snap = Snapshot.build(cands)
    fns = masks(ctx, snap)
    for name in EXCLUSION_ORDER:
        mask = fns[name](ctx, snap)
        for i, c in enumerate(snap.rows):
            reason = HARD_REASONS[name](ctx, c)
            assert bool(mask[i]) == (reason.status == "unmet"), (name, c, reason)


@SETTINGS
@given(candidate_lists(max_size=15), profiles())
def test_ranking_reasons_agree_with_score_components(cands: list[Candidate], p: Profile) -> None:
    ctx = ctx_for(p)
    snap = Snapshot.build(cands)
    idx = np.arange(snap.size)
    comps = components(ctx, snap, idx, measure(ctx, snap))
    use = applicable(ctx)
    by_name = {fn(ctx, snap.rows[0]).criterion: fn for fn in RANKING_REASONS}
    for i, c in enumerate(snap.rows):
        for name in ("sector", "tension", "target", "cost", "childcare", "audience"):
            status = by_name[name](ctx, c).status
            credit = comps[name][i]
            if not use[name]:
                continue
            if status == "met":
                assert credit == 1.0, (name, c)
            elif status == "partial":
                assert 0.0 < credit < 1.0, (name, c)
            elif status == "unmet":
                assert credit == 0.0, (name, c)
        places = HARD_REASONS["places"](ctx, c).status
        assert (comps["places"][i] == 1.0) == (places == "met")
    s = scores(ctx, snap, idx, measure(ctx, snap))
    assert ((s >= 0) & (s <= 100)).all()


@SETTINGS
@given(candidate_lists(max_size=15), profiles())
def test_counting_invariant_and_first_reason(cands: list[Candidate], p: Profile) -> None:
    out = match(p, SAINT_DENIS, Snapshot.build(cands), today=TODAY, limit=5, tension=TENSION)
    assert out.candidates == len(cands) == out.total_results + sum(out.excluded.values())
    ctx = ctx_for(p)
    expected = dict.fromkeys(EXCLUSION_ORDER, 0)
    for c in cands:
        first = next((n for n in EXCLUSION_ORDER if HARD_REASONS[n](ctx, c).status == "unmet"), None)
        if first:
            expected[first] += 1
    assert out.excluded == expected
    assert len(out.results) == min(5, out.total_results)
    for r in out.results:
        assert all(x.status != "unmet" for x in r.reasons if x.criterion in HARD_REASONS)


# --- widening never removes a result -----------------------------------------------------------------

def _widen(p: Profile, **update: Any) -> Profile:
    return Profile.model_validate({**p.model_dump(), **update})


@SETTINGS
@given(candidate_lists(), profiles(), st.floats(0, 100), st.integers(0, 200))
def test_widening_distance_never_removes(cands, p, more_km, more_min) -> None:
    before = passing_ids(ctx_for(p), cands)
    update: dict[str, Any] = {}
    if p.max_distance_km is not None:
        update["max_distance_km"] = p.max_distance_km + more_km
    if p.max_travel_minutes is not None:
        update["max_travel_minutes"] = min(p.max_travel_minutes + more_min, 24 * 60)
    after = passing_ids(ctx_for(_widen(p, **update)), cands)
    assert before <= after
    remote_too = passing_ids(ctx_for(_widen(p, **update, remote_ok=True)), cands)
    assert after <= remote_too


@SETTINGS
@given(candidate_lists(), profiles(), st.lists(slots, max_size=4), st.booleans())
def test_widening_availability_never_removes(cands, p, extra, to_any_time) -> None:
    before = passing_ids(ctx_for(p), cands)
    if to_any_time or p.availability is None:
        wider = _widen(p, availability=None)
    else:
        more = [s.model_dump() for s in p.availability] + [{"day": d, "start": s, "end": e} for d, s, e in extra]
        wider = _widen(p, availability=more)
    assert before <= passing_ids(ctx_for(wider), cands)


@SETTINGS
@given(candidate_lists(), profiles(), st.integers(0, 60), st.integers(0, 200))
def test_widening_date_window_never_removes(cands, p, earlier, longer) -> None:
    before = passing_ids(ctx_for(p), cands)
    start = p.available_from or TODAY
    wider = _widen(p, available_from=start - timedelta(days=earlier),
                   start_within_days=p.start_within_days + earlier + longer)
    assert before <= passing_ids(ctx_for(wider), cands)


@SETTINGS
@given(candidate_lists(), profiles(), st.sets(st.sampled_from(PERSON_PUBLICS)), st.booleans())
def test_widening_publics_never_removes(cands, p, extra, to_unknown) -> None:
    before = passing_ids(ctx_for(p), cands)
    if to_unknown or p.publics is None:
        wider = _widen(p, publics=None)
    else:
        wider = _widen(p, publics=sorted(set(p.publics) | extra))
    assert before <= passing_ids(ctx_for(wider), cands)


# --- unknown facts never exclude ---------------------------------------------------------------------

UNKNOWABLE = {
    "entry_min": None, "entry_max": None, "target_level": None, "literacy_accepted": frozenset(),
    "start_date": None, "end_date": None, "schedule": (), "places_available": None,
    "lat": None, "lon": None,
}


@SETTINGS
@given(candidate_lists(max_size=10), profiles(), st.data())
def test_forgetting_facts_never_excludes(cands, p, data) -> None:
    ctx = ctx_for(p)
    before = passing_ids(ctx, cands)
    forget = data.draw(st.sets(st.sampled_from(sorted(UNKNOWABLE)), min_size=1))
    if "lat" in forget or "lon" in forget:
        forget |= {"lat", "lon"}
    vaguer = [replace(c, **{k: UNKNOWABLE[k] for k in forget}) for c in cands]
    assert before <= passing_ids(ctx, vaguer)


@SETTINGS
@given(profiles(), st.sampled_from([Modality.IN_PERSON, Modality.HYBRID]), st.booleans())
def test_a_session_with_every_fact_unknown_passes(p, modality, rolling) -> None:
    c = Candidate(session_id=1, offer_id=1, modality=modality, rolling_entry=rolling)
    ctx = ctx_for(p)
    assert passing_ids(ctx, [c]) == {1}
    statuses = {HARD_REASONS[n](ctx, c).status for n in EXCLUSION_ORDER}
    assert "unmet" not in statuses


@SETTINGS
@given(candidate_lists(max_size=10))
def test_person_unknowns_never_exclude(cands) -> None:
    # Only what the CONTRACT requires is stated; the widest reading of every optional field.
    p = Profile.model_validate({"level": "A1", "home": {"insee": "93066"}, "max_distance_km": 20_000,
                                "remote_ok": True, "start_within_days": 3660,
                                "available_from": (TODAY - timedelta(days=1000)).isoformat()})
    ctx = ctx_for(p)
    out = passing_ids(ctx, cands)
    for c in cands:
        if c.session_id in out:
            continue
        failing = {n for n in EXCLUSION_ORDER if HARD_REASONS[n](ctx, c).status == "unmet"}
        assert failing <= {"status", "places", "level", "dates"}, (c, failing)
        assert not failing & {"literacy", "publics", "schedule", "distance"}


# --- determinism ----------------------------------------------------------------------------------------

@SETTINGS
@given(candidate_lists(max_size=15), profiles(), st.integers(0, 3))
def test_same_input_same_day_same_order(cands, p, day) -> None:
    today = TODAY + timedelta(days=day)
    a = match(p, SAINT_DENIS, Snapshot.build(cands), today=today, limit=10, tension=TENSION)
    b = match(p, SAINT_DENIS, Snapshot.build(list(reversed(cands))), today=today, limit=10, tension=TENSION)
    assert [(r.session_id, r.score, r.reasons) for r in a.results] == \
           [(r.session_id, r.score, r.reasons) for r in b.results]
    assert a.excluded == b.excluded


# --- the snapshot gives back exactly the candidates it was built from ------------------------------------

@SETTINGS
@given(candidate_lists(max_size=12))
def test_rows_give_back_the_candidates(cands) -> None:
    """The snapshot keeps no Candidate objects; the ones it rebuilds (for the reasons of results)
    are equal to the input, field for field."""
    latest = {c.session_id: c for c in cands}
    snap = Snapshot.build(cands)
    assert snap.candidates() == [latest[sid] for sid in dict.fromkeys(c.session_id for c in cands)]
    assert all(snap.candidate(sid) == c for sid, c in latest.items())


# --- incremental snapshot == fresh build ----------------------------------------------------------------

@SETTINGS
@given(candidate_lists(max_size=12), st.data())
def test_apply_matches_a_fresh_build(cands, data) -> None:
    snap = Snapshot.build(cands)
    current = {c.session_id: c for c in cands}
    for _ in range(data.draw(st.integers(1, 3))):
        ids = sorted(current)
        removed = data.draw(st.lists(st.sampled_from(ids), max_size=3)) if ids else []
        n_new = data.draw(st.integers(0, 3))
        updated = [data.draw(candidates(sid)) for sid in data.draw(st.lists(st.sampled_from(ids), max_size=3))] \
            if ids else []
        new = [data.draw(candidates(1000 + len(current) + k)) for k in range(n_new)]
        snap = snap.apply(updated + new, removed)
        current.update({c.session_id: c for c in updated + new})
        for sid in removed:
            current.pop(sid, None)
    fresh = Snapshot.build(list(current.values()))
    assert column_view(snap) == column_view(fresh)
    p = Profile.model_validate({"level": "A1", "home": {"insee": "93066"}, "remote_ok": True,
                                "availability": [{"day": "mon", "start": "08:00", "end": "20:00"}]})
    a = match(p, SAINT_DENIS, snap, today=TODAY, limit=50, tension=TENSION)
    b = match(p, SAINT_DENIS, fresh, today=TODAY, limit=50, tension=TENSION)
    assert (a.excluded, a.total_results, [(r.session_id, r.score) for r in a.results]) == \
           (b.excluded, b.total_results, [(r.session_id, r.score) for r in b.results])


def test_level_type_is_enum() -> None:
    assert isinstance(Level("A1"), Level)
