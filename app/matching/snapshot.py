"""A columnar, in-memory snapshot of every session of the non-withdrawn offers.

The exclusion counts must be exact over all sessions (CONTRACT § Matching), so every hard rule runs
as a handful of numpy operations over these columns; per-row Python objects (`rows`, the
`Candidate`s) are read only for the few results returned.

Encoding of unknown facts: NaN for coordinates and cost, -1 (`codes.UNKNOWN`) for ranks, date
ordinals, places and interned ids, 0 for the literacy and publics masks (publics 0 = everyone).

Updates: `apply(upserts, removed_session_ids)` returns a **new** snapshot (copy-on-write: the old
one stays valid for matches still reading it, so it can be swapped atomically under concurrent
requests); updated rows are patched by index, new rows appended, removed rows flagged dead. When
dead rows exceed a quarter of the rows, the snapshot is rebuilt compactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.matching import codes
from app.matching.candidate import Candidate
from app.matching.geography import unit_xyz
from app.matching.schedule import slot_key
from app.reference.catalogue_codes import Kind, Modality
from app.reference.publics import Public

NAN = float("nan")

# (column, dtype) in the order `_row_values` produces them.
COLUMNS: tuple[tuple[str, Any], ...] = (
    ("session_id", np.int64),
    ("offer_id", np.int64),
    ("lat", np.float64),  # NaN: unknown place, or remote session
    ("lon", np.float64),
    ("remote", np.bool_),
    ("status", np.int8),  # codes.STATUS_CODE
    ("start_lo", np.int32),  # earliest day the start may be (ordinal), -1 unknown
    ("start_hi", np.int32),  # latest day the start may be
    ("end_hi", np.int32),  # latest day the end may be
    ("rolling", np.bool_),
    ("places", np.int32),  # -1 unknown
    ("entry_min", np.int8),  # level rank, -1 unknown
    ("entry_max", np.int8),
    ("target", np.int8),
    ("literacy", np.uint8),  # accepted literacy bits, 0 unknown
    ("publics", np.uint16),  # allowed publics bits, 0 everyone
    ("sched_id", np.int32),  # interned schedule, -1 unknown
    ("sectors", np.uint16),  # sector bits
    ("fle_pro", np.bool_),
    ("rome_id", np.int32),  # interned ROME set, -1 none
    ("cost", np.float64),  # NaN unknown
    ("childcare", np.int8),  # -1 unknown, 0 no, 1 yes
    ("audience", np.uint16),  # designed-for publics bits (`all` excluded)
    ("audience_all", np.bool_),  # designed for everyone (`all`)
    ("quality", np.float64),
)
COLUMN_NAMES = tuple(name for name, _ in COLUMNS)

COMPACT_MIN_DEAD = 1024
COMPACT_RATIO = 0.25


def _row_values(c: Candidate, schedules: _Interner, romes: _Interner) -> tuple:
    remote = c.modality is Modality.REMOTE
    located = not remote and c.lat is not None and c.lon is not None
    return (
        c.session_id,
        c.offer_id,
        c.lat if located else NAN,
        c.lon if located else NAN,
        remote,
        codes.STATUS_CODE[c.status],
        codes.first_day(c.start_date, c.start_precision),
        codes.last_day(c.start_date, c.start_precision),
        codes.last_day(c.end_date, c.end_precision),
        bool(c.rolling_entry),
        codes.UNKNOWN if c.places_available is None else c.places_available,
        codes.UNKNOWN if c.entry_min is None else c.entry_min.rank,
        codes.UNKNOWN if c.entry_max is None else c.entry_max.rank,
        codes.UNKNOWN if c.target_level is None else c.target_level.rank,
        codes.literacy_mask(c.literacy_accepted),
        codes.publics_mask(c.publics),
        schedules.intern(slot_key(c.schedule)) if c.schedule else codes.UNKNOWN,
        codes.sector_mask(c.sectors),
        c.kind is Kind.FLE_PRO,
        romes.intern(frozenset(c.rome_codes)) if c.rome_codes else codes.UNKNOWN,
        NAN if c.cost_to_learner is None else float(c.cost_to_learner),
        codes.UNKNOWN if c.childcare is None else int(bool(c.childcare)),
        codes.audience_mask(c.audience),
        Public.ALL in c.audience,
        float(c.quality),
    )


class _Interner:
    """Append-only table of distinct values (schedules, ROME sets) → small int ids."""

    __slots__ = ("ids", "values")

    def __init__(self) -> None:
        self.ids: dict[Any, int] = {}
        self.values: list[Any] = []

    def intern(self, value: Any) -> int:
        i = self.ids.get(value)
        if i is None:
            i = self.ids[value] = len(self.values)
            self.values.append(value)
        return i

    def copy(self) -> _Interner:
        new = _Interner()
        new.ids = dict(self.ids)
        new.values = list(self.values)
        return new


@dataclass(frozen=True, slots=True)
class SlotTable:
    """Every slot of every interned schedule, flattened: schedule id, day index, start/end minutes."""

    schedule: np.ndarray
    day: np.ndarray
    start: np.ndarray
    end: np.ndarray
    n_schedules: int

    @classmethod
    def of(cls, schedules: Sequence[tuple[tuple[int, int, int], ...]]) -> SlotTable:
        flat = [(i, d, s, e) for i, slots in enumerate(schedules) for d, s, e in slots]
        arr = np.array(flat, dtype=np.int32).reshape(-1, 4)
        return cls(arr[:, 0].copy(), arr[:, 1].copy(), arr[:, 2].copy(), arr[:, 3].copy(), len(schedules))


class Snapshot:
    """Columns (one numpy array per name in `COLUMNS`, plus unit vectors `x`, `y`, `z`), the
    `Candidate` of each row (`rows`, None when dead), `alive`, and `index` (session id → row)."""

    size: int
    alive: np.ndarray
    rows: list[Candidate | None]
    index: dict[int, int]
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    slots: SlotTable  # flattened slots of `schedules`
    schedules: list[tuple[tuple[int, int, int], ...]]  # interned schedules (`sched_id` indexes it)
    rome_sets: list[frozenset[str]]  # interned ROME code sets (`rome_id` indexes it)
    # columns (see COLUMNS)
    session_id: np.ndarray
    offer_id: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    remote: np.ndarray
    status: np.ndarray
    start_lo: np.ndarray
    start_hi: np.ndarray
    end_hi: np.ndarray
    rolling: np.ndarray
    places: np.ndarray
    entry_min: np.ndarray
    entry_max: np.ndarray
    target: np.ndarray
    literacy: np.ndarray
    publics: np.ndarray
    sched_id: np.ndarray
    sectors: np.ndarray
    fle_pro: np.ndarray
    rome_id: np.ndarray
    cost: np.ndarray
    childcare: np.ndarray
    audience: np.ndarray
    audience_all: np.ndarray
    quality: np.ndarray

    def __init__(self) -> None:  # use Snapshot.build
        self._schedules = _Interner()
        self._romes = _Interner()
        self.dead = 0

    # --- construction -------------------------------------------------------------------------

    @classmethod
    def build(cls, candidates: Iterable[Candidate]) -> Snapshot:
        """Snapshot of these sessions (a later duplicate session id replaces an earlier one)."""
        by_id: dict[int, Candidate] = {}
        for c in candidates:
            by_id[c.session_id] = c
        snap = cls()
        rows = list(by_id.values())
        values = [_row_values(c, snap._schedules, snap._romes) for c in rows]
        columns = list(zip(*values, strict=True)) if values else [()] * len(COLUMNS)
        for (name, dtype), col in zip(COLUMNS, columns, strict=True):
            setattr(snap, name, np.array(col, dtype=dtype))
        snap.rows = list(rows)
        snap.size = len(rows)
        snap.alive = np.ones(snap.size, dtype=bool)
        snap.index = {c.session_id: i for i, c in enumerate(rows)}
        snap.x, snap.y, snap.z = unit_xyz(snap.lat, snap.lon)
        snap._finish_tables()
        return snap

    def _finish_tables(self) -> None:
        self.slots = SlotTable.of(self._schedules.values)
        self.schedules = self._schedules.values
        self.rome_sets = self._romes.values

    # --- reading --------------------------------------------------------------------------------

    @property
    def count(self) -> int:
        """Number of live sessions (the CONTRACT's `candidates`)."""
        return self.size - self.dead

    def row_of(self, session_id: int) -> int | None:
        return self.index.get(session_id)

    def candidate(self, session_id: int) -> Candidate | None:
        i = self.index.get(session_id)
        return None if i is None else self.rows[i]

    def candidates(self) -> list[Candidate]:
        return [c for c in self.rows if c is not None]

    # --- incremental updates --------------------------------------------------------------------

    def apply(self, upserts: Iterable[Candidate] = (), removed_session_ids: Iterable[int] = ()) -> Snapshot:
        """A new snapshot with these sessions upserted (by session id) and those removed; removal
        wins when an id is in both. `self` is left unchanged."""
        latest: dict[int, Candidate] = {c.session_id: c for c in upserts}
        removed = set(removed_session_ids)
        for sid in removed:
            latest.pop(sid, None)
        new = self._clone()
        for sid in removed:
            i = new.index.pop(sid, None)
            if i is not None:
                new.alive[i] = False
                new.rows[i] = None
                new.dead += 1
        appended: list[Candidate] = []
        patched: list[int] = []
        for sid, c in latest.items():
            i = new.index.get(sid)
            if i is None:
                appended.append(c)
                continue
            for (name, _), value in zip(COLUMNS, _row_values(c, new._schedules, new._romes), strict=True):
                getattr(new, name)[i] = value
            new.rows[i] = c
            patched.append(i)
        if patched:
            idx = np.array(patched, dtype=np.intp)
            x, y, z = unit_xyz(new.lat[idx], new.lon[idx])
            new.x[idx], new.y[idx], new.z[idx] = x, y, z
        if appended:
            new._append(appended)
        if new.dead >= COMPACT_MIN_DEAD and new.dead > COMPACT_RATIO * new.size:
            return Snapshot.build(new.candidates())
        if len(new._schedules.values) != self.slots.n_schedules:
            new._finish_tables()
        return new

    def _clone(self) -> Snapshot:
        new = Snapshot()
        for name in (*COLUMN_NAMES, "x", "y", "z", "alive"):
            setattr(new, name, getattr(self, name).copy())
        new.rows = list(self.rows)
        new.index = dict(self.index)
        new.size = self.size
        new.dead = self.dead
        new._schedules = self._schedules.copy()
        new._romes = self._romes.copy()
        new.slots = self.slots
        new.schedules = new._schedules.values
        new.rome_sets = new._romes.values
        return new

    def _append(self, rows: list[Candidate]) -> None:
        values = [_row_values(c, self._schedules, self._romes) for c in rows]
        columns = list(zip(*values, strict=True))
        for (name, dtype), col in zip(COLUMNS, columns, strict=True):
            setattr(self, name, np.concatenate([getattr(self, name), np.array(col, dtype=dtype)]))
        lat = np.array(columns[COLUMN_NAMES.index("lat")], dtype=np.float64)
        lon = np.array(columns[COLUMN_NAMES.index("lon")], dtype=np.float64)
        x, y, z = unit_xyz(lat, lon)
        self.x, self.y, self.z = (np.concatenate([a, b]) for a, b in ((self.x, x), (self.y, y), (self.z, z)))
        self.alive = np.concatenate([self.alive, np.ones(len(rows), dtype=bool)])
        for c in rows:
            self.index[c.session_id] = self.size
            self.rows.append(c)
            self.size += 1
