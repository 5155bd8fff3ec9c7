"""What the search engines index: one `OfferDoc` per searchable offer, read from the database in a
few batched queries.

Searchable = not withdrawn and with at least one live session that is open, full or suspended.
Closed and cancelled sessions give the document nothing (no place, no date, no places), so an offer
whose sessions are all closed, cancelled or withdrawn is not in the index.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select, union
from sqlmodel import Session

from app.catalogue.models import Offer, OfferFunder, OfferSector, Organisation, TrainingSession
from app.reference.catalogue_codes import Kind, SessionStatus
from app.reference.communes import departement_name
from app.reference.funders import Funder
from app.reference.levels import LEVELS
from app.reference.sectors import Sector

ACTIVE_STATUSES: tuple[str, ...] = (SessionStatus.OPEN.value, SessionStatus.FULL.value,
                                    SessionStatus.SUSPENDED.value)
BATCH = 1000


@dataclass(slots=True)
class OfferDoc:
    offer_id: int
    title: str
    summary: str | None
    organisation: str
    kind: str
    modality: str
    quality: float
    certification: str | None = None
    funders: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()  # level codes the entry range admits (unknown bounds admit)
    departements: tuple[str, ...] = ()
    cities: tuple[str, ...] = ()
    has_places: bool = False
    next_start: date | None = None  # earliest known start of its searchable sessions
    points: tuple[tuple[float, float], ...] = ()  # distinct (lat, lon) of its searchable sessions

    # Texts with their weight: 0 = title, 1 = who/what/where, 2 = description.
    def texts(self) -> list[tuple[int, str]]:
        out = [(0, self.title), (1, self.organisation), (1, Kind(self.kind).label)]
        out += [(1, Sector(s).label) for s in self.sectors]
        out += [(1, Funder(f).label) for f in self.funders]
        out += [(1, c) for c in self.cities]
        out += [(1, n) for n in self.place_names()]
        if self.certification:
            out.append((1, self.certification))
        if self.summary:
            out.append((2, self.summary))
        return out

    def place_names(self) -> list[str]:
        return [n for n in (departement_name(d) for d in self.departements) if n]


def admitted_levels(min_rank: int | None, max_rank: int | None) -> tuple[str, ...]:
    lo = 0 if min_rank is None else min_rank
    hi = len(LEVELS) - 1 if max_rank is None else max_rank
    return tuple(lvl.value for lvl in LEVELS[lo:hi + 1])


@dataclass
class _Acc:
    deps: list[str] = field(default_factory=list)
    cities: list[str] = field(default_factory=list)
    points: list[tuple[float, float]] = field(default_factory=list)
    starts: list[date] = field(default_factory=list)
    has_places: bool = False


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for i in range(0, len(ids), BATCH):
        yield list(ids[i:i + BATCH])


def load_documents(db: Session, offer_ids: Iterable[int] | None = None) -> dict[int, OfferDoc]:
    """Documents of the searchable offers among `offer_ids` (all offers when None). An id absent
    from the answer is not searchable (withdrawn, unknown, or no open/full/suspended session)."""
    if offer_ids is None:
        return _load(db, None)
    ids = sorted(set(offer_ids))
    out: dict[int, OfferDoc] = {}
    for chunk in _chunks(ids):
        out.update(_load(db, chunk))
    return out


def iter_documents(db: Session) -> Iterator[OfferDoc]:
    """Every searchable offer's document, BATCH offers at a time (a start-up build never holds
    them all)."""
    ids = list(db.execute(select(Offer.id).where(Offer.withdrawn_at.is_(None)).order_by(Offer.id)).scalars())
    for part in _chunks(ids):  # id ranges: one index range scan per table (IN lists cost twice the CPU)
        yield from _load(db, None, (part[0], part[-1])).values()


def _load(db: Session, ids: list[int] | None, id_range: tuple[int, int] | None = None) -> dict[int, OfferDoc]:
    def only(stmt, col):
        if id_range is not None:
            return stmt.where(col.between(*id_range))
        return stmt if ids is None else stmt.where(col.in_(ids))

    sess_stmt = only(select(
        TrainingSession.offer_id, TrainingSession.start_date, TrainingSession.departement, TrainingSession.city,
        TrainingSession.lat, TrainingSession.lon, TrainingSession.places_available, TrainingSession.status,
    ).where(TrainingSession.withdrawn_at.is_(None)),
        TrainingSession.offer_id).order_by(TrainingSession.offer_id, TrainingSession.id)
    acc: dict[int, _Acc] = defaultdict(_Acc)
    # status filtered here, not in SQL: there SQLite would pick the status index over the offer
    # range and scan every active session for each part of a start-up build
    for oid, start, dep, city, lat, lon, places, status in db.execute(sess_stmt):
        if status not in ACTIVE_STATUSES:
            continue
        a = acc[oid]
        if dep and dep not in a.deps:
            a.deps.append(dep)
        if city and city not in a.cities:
            a.cities.append(city)
        if lat is not None and lon is not None and (lat, lon) not in a.points:
            a.points.append((lat, lon))
        if start is not None:
            a.starts.append(start)
        if places is not None and places > 0:
            a.has_places = True
    if not acc:
        return {}
    offer_stmt = only(select(
        Offer.id, Offer.title, Offer.summary, Organisation.name, Offer.kind, Offer.modality, Offer.quality,
        Offer.certification, Offer.entry_min_rank, Offer.entry_max_rank,
    ).join(Organisation, Organisation.id == Offer.organisation_id).where(Offer.withdrawn_at.is_(None)), Offer.id)
    funders: dict[int, list[str]] = defaultdict(list)
    for oid, f in db.execute(only(select(OfferFunder.offer_id, OfferFunder.funder), OfferFunder.offer_id)):
        funders[oid].append(f)
    sectors: dict[int, list[str]] = defaultdict(list)
    for oid, sector in db.execute(only(select(OfferSector.offer_id, OfferSector.sector), OfferSector.offer_id)):
        sectors[oid].append(sector)
    out: dict[int, OfferDoc] = {}
    for oid, title, summary, org, kind, modality, quality, cert, min_rank, max_rank in db.execute(offer_stmt):
        a = acc.get(oid)
        if a is None:
            continue
        out[oid] = OfferDoc(
            offer_id=oid, title=title, summary=summary, organisation=org, kind=kind, modality=modality,
            quality=float(quality or 0.0), certification=cert, funders=tuple(sorted(funders.get(oid, ()))),
            sectors=tuple(sorted(sectors.get(oid, ()))), levels=admitted_levels(min_rank, max_rank),
            departements=tuple(a.deps), cities=tuple(a.cities), has_places=a.has_places,
            next_start=min(a.starts) if a.starts else None, points=tuple(a.points),
        )
    return out


def changed_offer_ids(db: Session, since_seq: int) -> list[int]:
    """Offers whose row, or one of whose sessions, was written after catalogue seq `since_seq`."""
    stmt = union(
        select(Offer.id).where(Offer.change_seq > since_seq),
        select(TrainingSession.offer_id).where(TrainingSession.change_seq > since_seq),
    )
    return [r[0] for r in db.execute(stmt)]
