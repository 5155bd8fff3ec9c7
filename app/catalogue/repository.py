"""All catalogue SQL: reads that build API objects in a few batched queries, and writes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, exists, func, or_, text, update
from sqlmodel import Session, select

from app.catalogue.models import (
    CatalogueState,
    Offer,
    OfferFunder,
    OfferPublic,
    OfferSector,
    Organisation,
    TrainingSession,
)
from app.catalogue.schemas import Location, OfferOut, SessionOut, WithdrawnMarker
from app.reference.levels import Level


def next_change_seq(session: Session) -> int:
    """Bump the catalogue counter (row lock until commit keeps stamps in commit order)."""
    seq = session.execute(
        update(CatalogueState).where(CatalogueState.id == 1).values(seq=CatalogueState.seq + 1)
        .returning(CatalogueState.seq)
    ).scalar_one_or_none()
    if seq is None:  # first write on a database created without the migration's seed row
        session.add(CatalogueState(id=1, seq=1))
        session.flush()
        return 1
    return seq


def current_change_seq(session: Session) -> int:
    return session.execute(select(CatalogueState.seq).where(CatalogueState.id == 1)).scalar_one_or_none() or 0


def offer_by_key(session: Session, source: str, external_id: str) -> Offer | None:
    return session.exec(select(Offer).where(Offer.source == source, Offer.external_id == external_id)).first()


def offer_by_id(session: Session, offer_id: int) -> Offer | None:
    return session.get(Offer, offer_id)


def session_by_id(session: Session, session_id: int) -> TrainingSession | None:
    return session.get(TrainingSession, session_id)


def session_for_update(session: Session, session_id: int) -> TrainingSession | None:
    stmt = select(TrainingSession).where(TrainingSession.id == session_id).with_for_update()
    return session.exec(stmt).first()


def organisation_for(session: Session, name: str, siret: str | None) -> Organisation:
    """The organisation with that SIRET (its name refreshed), else one with that name and no SIRET."""
    if siret:
        org = session.exec(select(Organisation).where(Organisation.siret == siret)).first()
    else:
        org = session.exec(
            select(Organisation).where(Organisation.siret.is_(None), Organisation.name == name)
        ).first()
    if org is None:
        org = Organisation(name=name, siret=siret)
        session.add(org)
        session.flush()
    elif org.name != name:
        org.name = name
        session.add(org)
    return org


def sessions_of(session: Session, offer_id: int) -> list[TrainingSession]:
    return list(session.exec(select(TrainingSession).where(TrainingSession.offer_id == offer_id)))


def replace_links(session: Session, offer_id: int, funders: Sequence[str], sectors: Sequence[str],
                  publics: Sequence[str], audience: Sequence[str]) -> None:
    for model in (OfferFunder, OfferSector, OfferPublic):
        session.execute(delete(model).where(model.offer_id == offer_id))
    session.add_all([OfferFunder(offer_id=offer_id, funder=f) for f in funders])
    session.add_all([OfferSector(offer_id=offer_id, sector=s) for s in sectors])
    session.add_all([OfferPublic(offer_id=offer_id, role="publics", public=p) for p in publics])
    session.add_all([OfferPublic(offer_id=offer_id, role="audience", public=p) for p in audience])


# --- reads -------------------------------------------------------------------------------------


def _location_of(s: TrainingSession) -> Location | None:
    if s.insee is None and s.postcode is None and s.lat is None and s.address is None:
        return None
    return Location(address=s.address, postcode=s.postcode, insee=s.insee, city=s.city,
                    departement=s.departement, region=s.region, lat=s.lat, lon=s.lon)


def session_out(s: TrainingSession) -> SessionOut:
    return SessionOut(
        id=s.id, offer_id=s.offer_id, external_id=s.external_id, start_date=s.start_date, end_date=s.end_date,
        start_precision=s.start_precision, end_precision=s.end_precision, rolling_entry=s.rolling_entry,
        schedule=s.schedule, location=_location_of(s), capacity=s.capacity,
        places_available=s.places_available, places_updated_at=s.places_updated_at,
        funded_places=s.funded_places, status=s.status,
    )


def load_offers_out(session: Session, offer_ids: Sequence[int]) -> list[OfferOut]:
    """Whole offers (with their live sessions) in the order of `offer_ids`, in five queries."""
    if not offer_ids:
        return []
    ids = list(offer_ids)
    offers = {o.id: o for o in session.exec(select(Offer).where(Offer.id.in_(ids)))}
    orgs = {o.id: o for o in session.exec(
        select(Organisation).where(Organisation.id.in_({o.organisation_id for o in offers.values()})))}
    funders: dict[int, list[str]] = defaultdict(list)
    for oid, f in session.execute(select(OfferFunder.offer_id, OfferFunder.funder).where(OfferFunder.offer_id.in_(ids))):
        funders[oid].append(f)
    sectors: dict[int, list[str]] = defaultdict(list)
    for oid, s in session.execute(select(OfferSector.offer_id, OfferSector.sector).where(OfferSector.offer_id.in_(ids))):
        sectors[oid].append(s)
    publics: dict[tuple[int, str], list[str]] = defaultdict(list)
    for oid, role, p in session.execute(
        select(OfferPublic.offer_id, OfferPublic.role, OfferPublic.public).where(OfferPublic.offer_id.in_(ids))
    ):
        publics[(oid, role)].append(p)
    sessions: dict[int, list[TrainingSession]] = defaultdict(list)
    for s in session.exec(
        select(TrainingSession).where(TrainingSession.offer_id.in_(ids), TrainingSession.withdrawn_at.is_(None))
        .order_by(TrainingSession.offer_id, TrainingSession.start_date, TrainingSession.id)
    ):
        sessions[s.offer_id].append(s)
    out = []
    for oid in ids:
        o = offers.get(oid)
        if o is None:
            continue
        org = orgs[o.organisation_id]
        out.append(OfferOut(
            id=o.id, source=o.source, external_id=o.external_id, formation_id=o.formation_id, title=o.title,
            summary=o.summary, kind=o.kind, organisation={"name": org.name, "siret": org.siret},
            funders=sorted(funders[oid]), entry_level={"min": o.entry_min, "max": o.entry_max},
            target_level=o.target_level, literacy_accepted=o.literacy_accepted, sectors=sorted(sectors[oid]),
            rome_codes=o.rome_codes, formacodes=o.formacodes, modality=o.modality, hours_total=o.hours_total,
            hours_per_week=o.hours_per_week, publics=sorted(publics[(oid, "publics")]),
            audience=sorted(publics[(oid, "audience")]), childcare=o.childcare,
            cost_to_learner=o.cost_to_learner, certification=o.certification, created_at=o.created_at,
            updated_at=o.updated_at, source_updated_at=o.source_updated_at, quality=o.quality,
            withdrawn=o.withdrawn_at is not None, sessions=[session_out(s) for s in sessions[oid]],
        ))
    return out


@dataclass(frozen=True)
class OfferFilters:
    departement: str | None = None
    region: str | None = None
    funder: str | None = None
    sector: str | None = None
    level: Level | None = None
    modified_after: datetime | None = None


def _live_session_where(*conds):
    return exists().where(TrainingSession.offer_id == Offer.id, TrainingSession.withdrawn_at.is_(None), *conds)


def list_offer_page(session: Session, f: OfferFilters, after: list | None, limit: int) -> list[tuple]:
    """One page of `(id, updated_at, withdrawn)`: by (updated_at, id) for incremental sync, else by id."""
    stmt = select(Offer.id, Offer.updated_at, Offer.withdrawn_at.is_not(None))
    if f.modified_after is not None:
        stmt = stmt.where(Offer.updated_at > f.modified_after)
    else:
        stmt = stmt.where(Offer.withdrawn_at.is_(None))
    if f.departement:
        stmt = stmt.where(_live_session_where(TrainingSession.departement == f.departement))
    if f.region:
        stmt = stmt.where(_live_session_where(TrainingSession.region == f.region))
    if f.funder:
        stmt = stmt.where(exists().where(OfferFunder.offer_id == Offer.id, OfferFunder.funder == f.funder))
    if f.sector:
        stmt = stmt.where(exists().where(OfferSector.offer_id == Offer.id, OfferSector.sector == f.sector))
    if f.level is not None:
        rank = f.level.rank
        stmt = stmt.where(or_(Offer.entry_min_rank.is_(None), Offer.entry_min_rank <= rank),
                          or_(Offer.entry_max_rank.is_(None), Offer.entry_max_rank >= rank))
    if f.modified_after is not None:
        if after:
            ts = datetime.fromisoformat(after[0])
            stmt = stmt.where(or_(Offer.updated_at > ts, and_(Offer.updated_at == ts, Offer.id > int(after[1]))))
        stmt = stmt.order_by(Offer.updated_at, Offer.id)
    else:
        if after:
            stmt = stmt.where(Offer.id > int(after[0]))
        stmt = stmt.order_by(Offer.id)
    return list(session.execute(stmt.limit(limit + 1)))


def withdrawn_markers(session: Session, ids: Iterable[int]) -> dict[int, WithdrawnMarker]:
    rows = session.exec(select(Offer).where(Offer.id.in_(list(ids))))
    return {o.id: WithdrawnMarker(id=o.id, source=o.source, external_id=o.external_id, updated_at=o.updated_at)
            for o in rows}


def count_live_sessions(session: Session) -> int:
    stmt = select(func.count()).select_from(TrainingSession).join(Offer).where(
        Offer.withdrawn_at.is_(None), TrainingSession.withdrawn_at.is_(None))
    return session.execute(stmt).scalar_one()


def ping(session: Session) -> None:
    session.execute(text("SELECT 1"))
