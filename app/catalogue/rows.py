"""An offer as table rows: what a write puts in each column. Pure (no database), so that the
importer's worker processes can prepare offers without loading SQLAlchemy."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter

from app.catalogue.locations import resolve_location
from app.catalogue.quality import offer_quality
from app.catalogue.schemas import Location, OfferIn, SessionIn, Slot

_SLOTS = TypeAdapter(list[Slot])
LOCATION_KEYS = ("address", "postcode", "insee", "city", "departement", "region", "lat", "lon")


def content_hash(data: OfferIn) -> str:
    return hashlib.sha256(data.model_dump_json().encode()).hexdigest()


@dataclass
class OfferWrite:
    """One offer to write. `locations` are resolved beforehand by importers (to reject one offer, not
    the whole feed); left None they are resolved here and a bad code is a 422 naming the field."""

    external_id: str
    data: OfferIn
    raw_source: str | None = None
    raw_format: str | None = None
    locations: list[Location | None] | None = None
    digest: str = field(default="")
    extra: dict[str, Any] = field(default_factory=dict)  # more offer columns (importers' bookkeeping)

    def __post_init__(self) -> None:
        if not self.digest:
            self.digest = content_hash(self.data)


def resolve_locations(data: OfferIn, body_path: tuple = ("body",)) -> list[Location | None]:
    return [
        resolve_location(s.location, [*body_path, "sessions", i, "location"]) if s.location else None
        for i, s in enumerate(data.sessions)
    ]


@dataclass(slots=True)
class PreparedOffer:
    """One offer as column values, ready for SQL. Built without a database session and made of plain
    data only, so an importer's worker processes can build it and hand it over cheaply."""

    external_id: str
    digest: str
    organisation: tuple[str, str | None]  # (name, siret)
    values: dict[str, Any]  # offer columns, without the organisation id and the change stamps
    links: tuple[list[str], list[str], list[str], list[str]]  # funders, sectors, publics, audience
    sessions: list[tuple[str, dict[str, Any], int | None]]  # (external_id, columns, places stated)


def prepare_offer(w: OfferWrite, body_path: tuple = ("body",)) -> PreparedOffer:
    """The column values of one offer (its places resolved here when the caller has not)."""
    if w.locations is None:
        w.locations = resolve_locations(w.data, body_path)
    d = w.data
    lo, hi = d.entry_level.min, d.entry_level.max
    values = {
        "formation_id": d.formation_id, "title": d.title, "summary": d.summary, "kind": d.kind.value,
        "entry_min": lo.value if lo else None, "entry_max": hi.value if hi else None,
        "entry_min_rank": lo.rank if lo else None, "entry_max_rank": hi.rank if hi else None,
        "target_level": d.target_level.value if d.target_level else None,
        "literacy_accepted": [x.value for x in d.literacy_accepted], "rome_codes": list(d.rome_codes),
        "formacodes": list(d.formacodes), "modality": d.modality.value, "hours_total": d.hours_total,
        "hours_per_week": d.hours_per_week, "childcare": d.childcare, "cost_to_learner": d.cost_to_learner,
        "certification": d.certification, "source_updated_at": d.source_updated_at, "quality": offer_quality(d),
        "content_hash": w.digest,
    }
    if w.raw_source is not None:
        values["raw_source"], values["raw_format"] = w.raw_source, w.raw_format
    values.update(w.extra)
    links = ([f.value for f in d.funders], [x.value for x in d.sectors], [p.value for p in d.publics],
             [p.value for p in d.audience])
    places: dict[int, dict[str, Any]] = {}  # an action's sessions share one Location: dumped once
    sessions = [(s_in.external_id, _session_values(s_in, loc, places), s_in.places_available)
                for s_in, loc in zip(d.sessions, w.locations, strict=True)]
    return PreparedOffer(w.external_id, w.digest, (d.organisation.name, d.organisation.siret), values, links,
                         sessions)


def _session_values(s_in: SessionIn, loc: Location | None, places: dict[int, dict[str, Any]]) -> dict[str, Any]:
    if loc is None:
        loc_d = dict.fromkeys(LOCATION_KEYS)
    else:
        loc_d = places.get(id(loc))
        if loc_d is None:
            loc_d = places[id(loc)] = loc.model_dump()
    return {
        "start_date": s_in.start_date, "end_date": s_in.end_date, "start_precision": s_in.start_precision.value,
        "end_precision": s_in.end_precision.value, "rolling_entry": s_in.rolling_entry,
        "schedule": _SLOTS.dump_python(s_in.schedule, mode="json") if s_in.schedule else [],
        **loc_d,  # exactly LOCATION_KEYS: Location's fields
        "capacity": s_in.capacity, "funded_places": s_in.funded_places, "status": s_in.status.value,
    }


