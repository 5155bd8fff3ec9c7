"""A columnar, in-memory snapshot of every session of the non-withdrawn offers.

The exclusion counts must be exact over all sessions (CONTRACT § Matching), so every hard rule runs
as a handful of numpy operations over these columns; per-row Python objects (`rows`, the
`Candidate`s) are read only for the few results returned.

Encoding of unknown facts: NaN for coordinates and cost, -1 (`codes.UNKNOWN`) for ranks, date
ordinals, places and interned ids, 0 for the literacy and publics masks (publics 0 = everyone).

Memory: no per-row Python object is kept. A row's `Candidate` (needed only for the few results
returned, to write their reasons) is rebuilt on demand from the columns and small interned tables
(`rows[i]`): offer facts are interned per distinct offer, schedules, cities and regions per distinct
value. The session id → row index is an int32 array indexed by id (ids are dense database keys).

Updates: `apply(upserts, removed_session_ids)` returns a **new** snapshot (copy-on-write: the old
one stays valid for matches still reading it, so it can be swapped atomically under concurrent
requests); updated rows are patched by index, new rows appended, removed rows flagged dead. When
dead rows exceed a quarter of the rows, the snapshot is rebuilt compactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from app.matching import codes
from app.matching.candidate import Candidate
from app.matching.geography import unit_xyz
from app.matching.schedule import slot_key
from app.reference.catalogue_codes import DatePrecision, Kind, Modality
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
    # read only to give back a row's Candidate (`rows[i]`)
    ("facts_id", np.int32),  # interned offer facts (`_OFFER_FIELDS`)
    ("start_day", np.int32),  # start_date as an ordinal, -1 None
    ("start_prec", np.int8),  # index in PRECISIONS
    ("end_day", np.int32),
    ("end_prec", np.int8),
    ("raw_lat", np.float64),  # the session's own coordinates (`lat` is NaN for remote sessions)
    ("raw_lon", np.float64),
    ("city_id", np.int32),  # interned, -1 None
    ("region_id", np.int32),
    ("timeslots_id", np.int32),  # the schedule as given (`sched_id` is its order-free key)
)
COLUMN_NAMES = tuple(name for name, _ in COLUMNS)

COMPACT_MIN_DEAD = 1024
COMPACT_RATIO = 0.25
CHUNK = 8192  # rows converted at a time: the per-row tuples of a build never all exist at once

_OFFER_FIELDS = ("kind", "modality", "entry_min", "entry_max", "target_level", "literacy_accepted", "publics",
                 "audience", "sectors", "rome_codes", "funders", "childcare", "cost_to_learner", "quality")
PRECISIONS = tuple(DatePrecision)
PRECISION_I = {p: i for i, p in enumerate(PRECISIONS)}
STATUSES = tuple(codes.STATUS_CODE)


def _ordinal(d: date | None) -> int:
    return codes.UNKNOWN if d is None else d.toordinal()


def _row_values(c: Candidate, t: _Tables) -> tuple:
    schedules, romes = t.schedules, t.romes
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
        t.offer_facts(c),
        _ordinal(c.start_date),
        PRECISION_I[c.start_precision],
        _ordinal(c.end_date),
        PRECISION_I[c.end_precision],
        NAN if c.lat is None else c.lat,
        NAN if c.lon is None else c.lon,
        codes.UNKNOWN if c.city is None else t.cities.intern(c.city),
        codes.UNKNOWN if c.region is None else t.regions.intern(c.region),
        t.timeslots.intern(c.schedule),
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


class _Tables:
    """The interned values of a snapshot: schedules (order-free keys, and as given), ROME sets,
    offer facts, cities, regions."""

    INTERNERS = ("cities", "facts", "regions", "romes", "schedules", "timeslots")
    __slots__ = (*INTERNERS, "_canonical")

    def __init__(self) -> None:
        for name in self.INTERNERS:
            setattr(self, name, _Interner())
        self._canonical: dict[Any, Any] = {}

    def offer_facts(self, c: Candidate) -> int:
        """Id of the candidate's offer facts; a new entry holds one shared object per distinct
        value (the same sets repeat across offers)."""
        key = tuple(getattr(c, f) for f in _OFFER_FIELDS)
        i = self.facts.ids.get(key)
        if i is None:
            canonical = self._canonical  # keyed with the type: True == 1 == 1.0
            i = self.facts.intern(tuple(canonical.setdefault((type(v), v), v) for v in key))
        return i

    def copy(self) -> _Tables:
        new = _Tables()
        for name in self.INTERNERS:
            setattr(new, name, getattr(self, name).copy())
        new._canonical = dict(self._canonical)
        return new


def _columns(rows: Iterable[Candidate], t: _Tables) -> dict[str, np.ndarray]:
    """The columns of these rows, converted CHUNK rows at a time."""
    parts: dict[str, list[np.ndarray]] = {name: [] for name in COLUMN_NAMES}
    chunk: list[tuple] = []

    def flush() -> None:
        cols = list(zip(*chunk, strict=True))
        for (name, dtype), col in zip(COLUMNS, cols, strict=True):
            parts[name].append(np.array(col, dtype=dtype))
        chunk.clear()

    for c in rows:
        chunk.append(_row_values(c, t))
        if len(chunk) == CHUNK:
            flush()
    if chunk:
        flush()
    return {name: np.concatenate(parts[name]) if parts[name] else np.zeros(0, dtype=dtype)
            for name, dtype in COLUMNS}


def _last_of_each_id(ids: np.ndarray) -> np.ndarray | None:
    """Rows to keep when ids repeat (the last row of each id, at the place of its first); None
    when every id is distinct."""
    if ids.size == 0:
        return None
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    starts = np.flatnonzero(np.r_[True, sorted_ids[1:] != sorted_ids[:-1]])
    if starts.size == ids.size:
        return None
    ends = np.r_[starts[1:], ids.size] - 1
    first, last = order[starts], order[ends]
    return last[np.argsort(first, kind="stable")]


class _Rows(Sequence):
    """`rows[i]`: the Candidate of row i (None when dead), rebuilt from the columns."""

    def __init__(self, snap: Snapshot) -> None:
        self._snap = snap

    def __len__(self) -> int:
        return self._snap.size

    def __getitem__(self, i):  # noqa: ANN001 - int or slice, as a list
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return self._snap._candidate_at(i)

    def __iter__(self) -> Iterator[Candidate | None]:
        return (self._snap._candidate_at(i) for i in range(self._snap.size))


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
    """Columns (one numpy array per name in `COLUMNS`, plus unit vectors `x`, `y`, `z`), `alive`,
    `row_by_id` (session id → row, -1 none), and `rows` (each row's Candidate, None when dead,
    rebuilt on demand)."""

    size: int
    alive: np.ndarray
    row_by_id: np.ndarray
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
    facts_id: np.ndarray
    start_day: np.ndarray
    start_prec: np.ndarray
    end_day: np.ndarray
    end_prec: np.ndarray
    raw_lat: np.ndarray
    raw_lon: np.ndarray
    city_id: np.ndarray
    region_id: np.ndarray

    def __init__(self) -> None:  # use Snapshot.build
        self._t = _Tables()
        self.dead = 0
        self.rows = _Rows(self)

    # --- construction -------------------------------------------------------------------------

    @classmethod
    def build(cls, candidates: Iterable[Candidate]) -> Snapshot:
        """Snapshot of these sessions (a later duplicate session id replaces an earlier one).
        `candidates` may be a generator: it is consumed once, a chunk at a time."""
        snap = cls()
        columns = _columns(candidates, snap._t)
        keep = _last_of_each_id(columns["session_id"])
        for name in COLUMN_NAMES:
            setattr(snap, name, columns[name] if keep is None else columns[name][keep])
        snap.size = len(snap.session_id)
        snap.alive = np.ones(snap.size, dtype=bool)
        snap.row_by_id = np.full(0, codes.UNKNOWN, dtype=np.int32)
        snap._index_rows(np.arange(snap.size))
        snap.x, snap.y, snap.z = unit_xyz(snap.lat, snap.lon)
        snap._finish_tables()
        return snap

    def _index_rows(self, rows: np.ndarray) -> None:
        ids = self.session_id[rows]
        if ids.size and int(ids.max()) >= len(self.row_by_id):
            grown = np.full(max(int(ids.max()) + 1, len(self.row_by_id) * 5 // 4), codes.UNKNOWN, dtype=np.int32)
            grown[:len(self.row_by_id)] = self.row_by_id
            self.row_by_id = grown
        self.row_by_id[ids] = rows

    def _finish_tables(self) -> None:
        self.schedules = self._t.schedules.values
        self.slots = SlotTable.of(self.schedules)
        self.rome_sets = self._t.romes.values

    # --- reading --------------------------------------------------------------------------------

    @property
    def count(self) -> int:
        """Number of live sessions (the CONTRACT's `candidates`)."""
        return self.size - self.dead

    def row_of(self, session_id: int) -> int | None:
        if 0 <= session_id < len(self.row_by_id):
            i = int(self.row_by_id[session_id])
            return None if i < 0 else i
        return None

    @property
    def index(self) -> dict[int, int]:
        """Session id → row of the live rows (built on each call: for tests and tools)."""
        ids = np.flatnonzero(self.row_by_id >= 0)
        return dict(zip(ids.tolist(), self.row_by_id[ids].tolist(), strict=True))

    def candidate(self, session_id: int) -> Candidate | None:
        i = self.row_of(session_id)
        return None if i is None else self._candidate_at(i)

    def candidates(self) -> list[Candidate]:
        return [self._candidate_at(i) for i in np.flatnonzero(self.alive).tolist()]

    def _candidate_at(self, i: int) -> Candidate | None:
        if not self.alive[i]:
            return None
        t = self._t
        facts = dict(zip(_OFFER_FIELDS, t.facts.values[self.facts_id[i]], strict=True))
        city, region = int(self.city_id[i]), int(self.region_id[i])
        start, end, places = int(self.start_day[i]), int(self.end_day[i]), int(self.places[i])
        lat, lon = float(self.raw_lat[i]), float(self.raw_lon[i])
        return Candidate(
            session_id=int(self.session_id[i]), offer_id=int(self.offer_id[i]), **facts,
            status=STATUSES[self.status[i]],
            start_date=None if start < 0 else date.fromordinal(start), start_precision=PRECISIONS[self.start_prec[i]],
            end_date=None if end < 0 else date.fromordinal(end), end_precision=PRECISIONS[self.end_prec[i]],
            rolling_entry=bool(self.rolling[i]), schedule=t.timeslots.values[self.timeslots_id[i]],
            places_available=None if places < 0 else places,
            lat=None if np.isnan(lat) else lat, lon=None if np.isnan(lon) else lon,
            city=None if city < 0 else t.cities.values[city], region=None if region < 0 else t.regions.values[region],
        )

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
            i = new.row_of(sid)
            if i is not None:
                new.row_by_id[sid] = codes.UNKNOWN
                new.alive[i] = False
                new.dead += 1
        appended: list[Candidate] = []
        patched: list[int] = []
        for sid, c in latest.items():
            i = new.row_of(sid)
            if i is None:
                appended.append(c)
                continue
            for (name, _), value in zip(COLUMNS, _row_values(c, new._t), strict=True):
                getattr(new, name)[i] = value
            patched.append(i)
        if patched:
            idx = np.array(patched, dtype=np.intp)
            x, y, z = unit_xyz(new.lat[idx], new.lon[idx])
            new.x[idx], new.y[idx], new.z[idx] = x, y, z
        if appended:
            new._append(appended)
        if new.dead >= COMPACT_MIN_DEAD and new.dead > COMPACT_RATIO * new.size:
            return Snapshot.build(new.candidates())
        if len(new._t.schedules.values) != self.slots.n_schedules:
            new._finish_tables()
        return new

    def _clone(self) -> Snapshot:
        new = Snapshot()
        for name in (*COLUMN_NAMES, "x", "y", "z", "alive", "row_by_id"):
            setattr(new, name, getattr(self, name).copy())
        new.size = self.size
        new.dead = self.dead
        new._t = self._t.copy()
        new.slots = self.slots
        new.schedules = new._t.schedules.values
        new.rome_sets = new._t.romes.values
        return new

    def _append(self, rows: list[Candidate]) -> None:
        columns = _columns(rows, self._t)
        for name in COLUMN_NAMES:
            setattr(self, name, np.concatenate([getattr(self, name), columns[name]]))
        x, y, z = unit_xyz(columns["lat"], columns["lon"])
        self.x, self.y, self.z = (np.concatenate([a, b]) for a, b in ((self.x, x), (self.y, y), (self.z, z)))
        self.alive = np.concatenate([self.alive, np.ones(len(rows), dtype=bool)])
        self._index_rows(np.arange(self.size, self.size + len(rows)))
        self.size += len(rows)
