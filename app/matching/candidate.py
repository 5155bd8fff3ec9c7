"""`Candidate`: one session with the facts of its offer flattened — the matching core's input row.

Plain data, no ORM: the integration layer builds one per session of every non-withdrawn offer
(`Candidate.from_records` accepts the GET shapes or plain dicts of them) and hands the list to
`Snapshot.build`. `None` (or an empty collection where the CONTRACT says so) means unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.catalogue.schemas import Slot
from app.reference.catalogue_codes import DatePrecision, Day, Kind, Modality, SessionStatus
from app.reference.funders import Funder
from app.reference.levels import Level, Literacy
from app.reference.publics import Public
from app.reference.sectors import Sector


@dataclass(frozen=True, slots=True)
class TimeSlot:
    """A weekly class slot, times as "HH:MM" (end may be "24:00")."""

    day: Day
    start: str
    end: str


@dataclass(frozen=True, slots=True)
class Candidate:
    # identity
    session_id: int
    offer_id: int
    # offer facts
    kind: Kind = Kind.FLE_GENERAL
    modality: Modality = Modality.IN_PERSON
    entry_min: Level | None = None
    entry_max: Level | None = None
    target_level: Level | None = None
    literacy_accepted: frozenset[Literacy] = frozenset()  # empty = unknown
    publics: frozenset[Public] = frozenset()  # who may enter; empty or {all} = everyone
    audience: frozenset[Public] = frozenset()  # who it is designed for (ranking only)
    sectors: frozenset[Sector] = frozenset()
    rome_codes: frozenset[str] = frozenset()
    funders: tuple[Funder, ...] = ()
    childcare: bool | None = None
    cost_to_learner: float | None = None  # 0 = free
    quality: float = 0.0  # 0–1
    # session facts
    status: SessionStatus = SessionStatus.OPEN
    start_date: date | None = None
    start_precision: DatePrecision = DatePrecision.DAY
    end_date: date | None = None
    end_precision: DatePrecision = DatePrecision.DAY
    rolling_entry: bool = False
    schedule: tuple[TimeSlot, ...] = ()  # empty = unknown
    places_available: int | None = None
    lat: float | None = None  # session place (None = unknown; ignored for remote offers)
    lon: float | None = None
    city: str | None = None
    region: str | None = None

    @classmethod
    def from_records(cls, offer: Any, session: Any) -> Candidate:
        """Build from an offer and one of its sessions, as `OfferOut`/`SessionOut` objects, ORM rows
        with the same attribute names, or dicts of the GET shape (codes may be plain strings).

        Recognised: offer `id`, `kind`, `modality`, `entry_level` {min,max} (or `entry_min`/
        `entry_max`), `target_level`, `literacy_accepted`, `publics`, `audience`, `sectors`,
        `rome_codes`, `funders`, `childcare`, `cost_to_learner`, `quality`; session `id`, `status`,
        `start_date`, `start_precision`, `end_date`, `end_precision`, `rolling_entry`, `schedule`,
        `places_available`, `location` {lat, lon, city, region} (or flat `lat`/`lon`/`city`/`region`).
        """
        o, s = _getter(offer), _getter(session)
        entry = o("entry_level")
        if entry is not None:
            e = _getter(entry)
            entry_min, entry_max = e("min"), e("max")
        else:
            entry_min, entry_max = o("entry_min"), o("entry_max")
        loc = s("location")
        if loc is not None:
            lg = _getter(loc)
            lat, lon, city, region = lg("lat"), lg("lon"), lg("city"), lg("region")
        else:
            lat, lon, city, region = s("lat"), s("lon"), s("city"), s("region")
        return cls(
            session_id=int(s("id")),
            offer_id=int(o("id") if o("id") is not None else s("offer_id")),
            kind=Kind(o("kind") or Kind.FLE_GENERAL),
            modality=Modality(o("modality") or Modality.IN_PERSON),
            entry_min=_opt(Level, entry_min),
            entry_max=_opt(Level, entry_max),
            target_level=_opt(Level, o("target_level")),
            literacy_accepted=frozenset(Literacy(x) for x in o("literacy_accepted") or ()),
            publics=frozenset(Public(x) for x in o("publics") or ()),
            audience=frozenset(Public(x) for x in o("audience") or ()),
            sectors=frozenset(Sector(x) for x in o("sectors") or ()),
            rome_codes=frozenset(str(x) for x in o("rome_codes") or ()),
            funders=tuple(Funder(x) for x in o("funders") or ()),
            childcare=o("childcare"),
            cost_to_learner=None if o("cost_to_learner") is None else float(o("cost_to_learner")),
            quality=float(o("quality") or 0.0),
            status=SessionStatus(s("status") or SessionStatus.OPEN),
            start_date=s("start_date"),
            start_precision=DatePrecision(s("start_precision") or DatePrecision.DAY),
            end_date=s("end_date"),
            end_precision=DatePrecision(s("end_precision") or DatePrecision.DAY),
            rolling_entry=bool(s("rolling_entry")),
            schedule=slots_from(s("schedule") or ()),
            places_available=s("places_available"),
            lat=None if lat is None else float(lat),
            lon=None if lon is None else float(lon),
            city=city,
            region=region,
        )


def slots_from(items: Iterable[Any]) -> tuple[TimeSlot, ...]:
    """`Slot` objects, `TimeSlot`s or {"day","start","end"} dicts → TimeSlots."""
    out = []
    for item in items:
        if isinstance(item, TimeSlot):
            out.append(item)
        elif isinstance(item, Slot):
            out.append(TimeSlot(Day(item.day), item.start, item.end))
        else:
            g = _getter(item)
            out.append(TimeSlot(Day(g("day")), str(g("start")), str(g("end"))))
    return tuple(out)


def _opt(enum: Any, value: Any) -> Any:
    return None if value is None else enum(value)


def _getter(obj: Any):
    if isinstance(obj, Mapping):
        return obj.get
    return lambda name: getattr(obj, name, None)
