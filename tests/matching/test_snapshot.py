"""Snapshot: columns, interning, copy-on-write incremental updates and compaction."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from app.matching import snapshot as snapshot_mod
from app.matching.core import match
from app.matching.snapshot import Snapshot
from app.reference.catalogue_codes import Modality, SessionStatus
from app.reference.levels import Level, Literacy
from app.reference.publics import Public

from .helpers import SAINT_DENIS, TENSION, TODAY, cand, column_view, profile, slot


def test_columns_encode_unknowns() -> None:
    snap = Snapshot.build([cand(1, lat=None, lon=None), cand(2, modality=Modality.REMOTE),
                           cand(3, entry_min=Level.A1, places_available=0,
                                literacy_accepted=frozenset({Literacy.FULL}),
                                publics=frozenset({Public.ALL, Public.BPI}), schedule=(slot("mon", "09:00", "12:00"),),
                                cost_to_learner=0.0, childcare=False)])
    assert np.isnan(snap.lat[0]) and np.isnan(snap.x[1]) and snap.remote[1]
    assert snap.entry_min.tolist() == [-1, -1, Level.A1.rank]
    assert snap.places.tolist() == [-1, -1, 0]
    assert snap.literacy.tolist()[:2] == [0, 0] and snap.literacy[2] != 0
    assert snap.publics.tolist() == [0, 0, 0]  # `all` = everyone
    assert snap.sched_id.tolist() == [-1, -1, 0] and snap.schedules == [((0, 540, 720),)]
    assert np.isnan(snap.cost[0]) and snap.cost[2] == 0
    assert snap.childcare.tolist() == [-1, -1, 0]


def test_schedules_are_interned() -> None:
    s = (slot("mon", "09:00", "12:00"), slot("thu", "09:00", "12:00"))
    snap = Snapshot.build([cand(i, schedule=s if i % 2 else tuple(reversed(s))) for i in range(1, 50)])
    assert len(snap.schedules) == 1 and snap.slots.n_schedules == 1 and len(snap.slots.day) == 2


def test_duplicate_session_ids_keep_the_last() -> None:
    snap = Snapshot.build([cand(1, places_available=1), cand(1, places_available=7)])
    assert snap.count == 1 and snap.places.tolist() == [7]


def _outcome(snap: Snapshot):
    out = match(profile(availability=[{"day": "mon", "start": "08:00", "end": "13:00"}], publics=["bpi"]),
                SAINT_DENIS, snap, today=TODAY, limit=50, tension=TENSION)
    return out.excluded, out.total_results, [(r.session_id, r.score) for r in out.results]


def test_apply_equals_a_fresh_build_and_leaves_the_old_snapshot_alone() -> None:
    base = [cand(i, places_available=i % 4, schedule=(slot("mon", "09:00", "12:00"),) if i % 2 else ())
            for i in range(1, 30)]
    old = Snapshot.build(base)
    before = column_view(old)
    upserts = [
        replace(base[0], places_available=0),  # places change
        replace(base[1], status=SessionStatus.FULL, schedule=(slot("sat", "09:00", "12:00"),)),  # new schedule
        replace(base[2], lat=43.3, lon=5.4, rome_codes=frozenset({"K1302"})),  # moved, new ROME set
        cand(100, publics=frozenset({Public.WOMEN})),  # new row
        cand(101, schedule=(slot("tue", "18:00", "20:00"),)),  # new row, new schedule
    ]
    removed = [5, 6, 100]  # 100 is both upserted and removed: removal wins
    new = old.apply(upserts, removed)
    final = {c.session_id: c for c in base}
    final.update({c.session_id: c for c in upserts})
    for sid in removed:
        final.pop(sid, None)
    fresh = Snapshot.build(list(final.values()))
    assert column_view(new) == column_view(fresh)
    assert _outcome(new) == _outcome(fresh)
    assert new.count == fresh.count == len(final)
    assert column_view(old) == before and old.count == len(base)
    assert new.candidate(1).places_available == 0 and new.candidate(5) is None


def test_apply_unknown_removal_is_ignored() -> None:
    snap = Snapshot.build([cand(1)]).apply([], [42])
    assert snap.count == 1


def test_compaction(monkeypatch) -> None:
    monkeypatch.setattr(snapshot_mod, "COMPACT_MIN_DEAD", 2)
    snap = Snapshot.build([cand(i) for i in range(1, 11)])
    snap = snap.apply([], [1])
    assert snap.size == 10 and snap.dead == 1
    snap = snap.apply([], [2, 3])
    assert snap.size == 7 and snap.dead == 0 and snap.count == 7
    assert sorted(snap.index) == list(range(4, 11))
