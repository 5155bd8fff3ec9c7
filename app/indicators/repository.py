"""All indicator SQL: the facts counted (prescriptions, transitions, entries, sessions starting)
and the offers' facts they are grouped and filtered by."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from app.catalogue.models import Offer, OfferFunder, OfferPublic, OfferSector, TrainingSession
from app.indicators.schemas import IndicatorQuery
from app.prescriptions.models import Entry, Prescription, PrescriptionEvent
from app.reference.publics import Public

_CHUNK = 900


@dataclass(frozen=True)
class OfferMeta:
    funders: tuple[str, ...]
    sectors: tuple[str, ...]
    rome_codes: tuple[str, ...]
    publics: frozenset[str]


def _session_filters(q: IndicatorQuery) -> list:
    conds = []
    if q.region:
        conds.append(TrainingSession.region == q.region)
    if q.departement:
        conds.append(TrainingSession.departement == q.departement)
    return conds


def _like(column, public: Public | None) -> list:
    return [column.like(f"%|{public.value}|%")] if public is not None else []


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    ids = list(ids)
    for i in range(0, len(ids), _CHUNK):
        yield ids[i:i + _CHUNK]


def offer_meta(db: Session, offer_ids: set[int]) -> dict[int, OfferMeta]:
    funders: dict[int, list[str]] = defaultdict(list)
    sectors: dict[int, list[str]] = defaultdict(list)
    publics: dict[int, set[str]] = defaultdict(set)
    romes: dict[int, list[str]] = {}
    for chunk in _chunks(sorted(offer_ids)):
        for oid, f in db.execute(select(OfferFunder.offer_id, OfferFunder.funder)
                                 .where(OfferFunder.offer_id.in_(chunk))):
            funders[oid].append(f)
        for oid, s in db.execute(select(OfferSector.offer_id, OfferSector.sector)
                                 .where(OfferSector.offer_id.in_(chunk))):
            sectors[oid].append(s)
        for oid, p in db.execute(select(OfferPublic.offer_id, OfferPublic.public)
                                 .where(OfferPublic.offer_id.in_(chunk), OfferPublic.role == "publics")):
            publics[oid].add(p)
        for oid, codes in db.execute(select(Offer.id, Offer.rome_codes).where(Offer.id.in_(chunk))):
            romes[oid] = list(codes or [])
    return {oid: OfferMeta(tuple(sorted(funders[oid])), tuple(sorted(sectors[oid])), tuple(romes.get(oid, ())),
                            frozenset(publics[oid])) for oid in offer_ids}


def _window(q: IndicatorQuery) -> tuple[datetime, datetime]:
    return q.start.start_utc(), q.end.plus(1).start_utc()


def _days(q: IndicatorQuery) -> tuple[date, date]:
    return q.start.first_day(), q.end.plus(1).first_day()


def _counted(q: IndicatorQuery, when, bounds: tuple, publics_tags) -> list:
    """What every fact query asks: `when` in the months of `q` (`bounds`: from, before), the
    session in its place, the people (`publics_tags`) of its public."""
    return [when >= bounds[0], when < bounds[1], *_session_filters(q), *_like(publics_tags, q.public)]


def prescriptions_created(db: Session, q: IndicatorQuery) -> list[tuple[datetime, int, str | None]]:
    """(created_at, offer_id, region) of the prescriptions created in the months of `q`."""
    return list(db.execute(
        select(Prescription.created_at, TrainingSession.offer_id, TrainingSession.region)
        .join(TrainingSession, TrainingSession.id == Prescription.session_id)
        .where(*_counted(q, Prescription.created_at, _window(q), Prescription.publics_tags))))


def transitions(db: Session, q: IndicatorQuery, to: Sequence[str]) -> list[tuple[datetime, str, int, str | None]]:
    """(at, to_status, offer_id, region) of the logged transitions to one of `to` in the months of `q`."""
    return list(db.execute(
        select(PrescriptionEvent.at, PrescriptionEvent.to_status, TrainingSession.offer_id, TrainingSession.region)
        .join(Prescription, Prescription.id == PrescriptionEvent.prescription_id)
        .join(TrainingSession, TrainingSession.id == Prescription.session_id)
        .where(PrescriptionEvent.to_status.in_(list(to)), PrescriptionEvent.from_status.is_not(None),
               *_counted(q, PrescriptionEvent.at, _window(q), Prescription.publics_tags))))


def entries(db: Session, q: IndicatorQuery) -> list[tuple[date, int, str | None]]:
    """(entered_on, offer_id, region) of the entries into training in the months of `q`."""
    return list(db.execute(
        select(Entry.entered_on, TrainingSession.offer_id, TrainingSession.region)
        .join(TrainingSession, TrainingSession.id == Entry.session_id)
        .where(*_counted(q, Entry.entered_on, _days(q), Entry.publics_tags))))


def sessions_starting(db: Session, q: IndicatorQuery) -> list[tuple]:
    """(start_date, offer_id, region, capacity, places_stated, withdrawn_at) of the sessions starting
    in the months of `q`, not cancelled, and not withdrawn before the first month."""
    start_at, _ = _window(q)
    first_day, after_day = _days(q)
    return list(db.execute(
        select(TrainingSession.start_date, TrainingSession.offer_id, TrainingSession.region, TrainingSession.capacity,
               TrainingSession.places_stated, TrainingSession.withdrawn_at)
        .where(TrainingSession.start_date >= first_day, TrainingSession.start_date < after_day,
               TrainingSession.status != "cancelled", *_session_filters(q),
               or_(TrainingSession.withdrawn_at.is_(None),
                   and_(TrainingSession.withdrawn_at.is_not(None), TrainingSession.withdrawn_at >= start_at)))))
