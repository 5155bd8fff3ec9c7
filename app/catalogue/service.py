"""Catalogue rules: upsert and withdraw offers, update live places. Services never commit."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from app.auth.keys import Principal
from app.catalogue import repository as repo
from app.catalogue.locations import resolve_location
from app.catalogue.models import Offer, TrainingSession
from app.catalogue.places import apply_stated_places
from app.catalogue.quality import offer_quality
from app.catalogue.schemas import OfferIn, OfferOut, PlacesUpdate, SessionOut
from app.db import utcnow
from app.problems import Forbidden, NotFound, PreconditionFailed
from app.reference.catalogue_codes import SessionStatus


def content_hash(data: OfferIn) -> str:
    return hashlib.sha256(data.model_dump_json().encode()).hexdigest()


def offer_etag(offer: Offer) -> str:
    return f'"{offer.content_hash[:20]}-{int(offer.withdrawn_at is not None)}"'


def session_etag(s: TrainingSession) -> str:
    return f'"s{s.id}-v{s.version}"'


def check_if_match(if_match: str | None, etag: str) -> None:
    if if_match is None:
        return
    candidates = {t.strip() for t in if_match.split(",")}
    if "*" not in candidates and etag not in candidates and f"W/{etag}" not in candidates:
        raise PreconditionFailed("La ressource a changé depuis votre lecture : relisez-la puis réessayez.",
                                 extra={"current_etag": etag})


@dataclass
class UpsertResult:
    offer: Offer
    created: bool
    changed: bool


def upsert_offer(
    session: Session,
    source: str,
    external_id: str,
    data: OfferIn,
    *,
    raw_source: str | None = None,
    raw_format: str | None = None,
    now: datetime | None = None,
    body_path: tuple = ("body",),
) -> UpsertResult:
    """Create or update one offer with its sessions. Unchanged content writes nothing."""
    now = now or utcnow()
    digest = content_hash(data)
    offer = repo.offer_by_key(session, source, external_id)
    if offer is not None and offer.content_hash == digest and offer.withdrawn_at is None:
        return UpsertResult(offer, created=False, changed=False)

    # Validate every location before writing anything.
    locations = [
        resolve_location(s.location, [*body_path, "sessions", i, "location"]) if s.location else None
        for i, s in enumerate(data.sessions)
    ]
    seq = repo.next_change_seq(session)
    org = repo.organisation_for(session, data.organisation.name, data.organisation.siret)
    created = offer is None
    if offer is None:
        offer = Offer(source=source, external_id=external_id, created_at=now, organisation_id=org.id,
                      title="", kind="", modality="", content_hash="")
    offer.organisation_id = org.id
    offer.formation_id = data.formation_id
    offer.title = data.title
    offer.summary = data.summary
    offer.kind = data.kind.value
    offer.entry_min = data.entry_level.min.value if data.entry_level.min else None
    offer.entry_max = data.entry_level.max.value if data.entry_level.max else None
    offer.entry_min_rank = data.entry_level.min.rank if data.entry_level.min else None
    offer.entry_max_rank = data.entry_level.max.rank if data.entry_level.max else None
    offer.target_level = data.target_level.value if data.target_level else None
    offer.literacy_accepted = [x.value for x in data.literacy_accepted]
    offer.rome_codes = list(data.rome_codes)
    offer.formacodes = list(data.formacodes)
    offer.modality = data.modality.value
    offer.hours_total = data.hours_total
    offer.hours_per_week = data.hours_per_week
    offer.childcare = data.childcare
    offer.cost_to_learner = data.cost_to_learner
    offer.certification = data.certification
    offer.source_updated_at = data.source_updated_at
    offer.quality = offer_quality(data)
    offer.content_hash = digest
    offer.raw_source = raw_source if raw_source is not None else offer.raw_source
    offer.raw_format = raw_format if raw_format is not None else offer.raw_format
    offer.updated_at = now
    offer.withdrawn_at = None
    offer.change_seq = seq
    session.add(offer)
    session.flush()
    repo.replace_links(session, offer.id, [f.value for f in data.funders], [s.value for s in data.sectors],
                       [p.value for p in data.publics], [p.value for p in data.audience])

    existing = {s.external_id: s for s in repo.sessions_of(session, offer.id)}
    for s_in, loc in zip(data.sessions, locations, strict=True):
        row = existing.pop(s_in.external_id, None)
        if row is None:
            row = TrainingSession(offer_id=offer.id, external_id=s_in.external_id)
        row.start_date, row.end_date = s_in.start_date, s_in.end_date
        row.start_precision, row.end_precision = s_in.start_precision.value, s_in.end_precision.value
        row.rolling_entry = s_in.rolling_entry
        row.schedule = [slot.model_dump(mode="json") for slot in s_in.schedule]
        loc_d = loc.model_dump() if loc else dict.fromkeys(
            ("address", "postcode", "insee", "city", "departement", "region", "lat", "lon"))
        for k, v in loc_d.items():
            setattr(row, k, v)
        row.capacity = s_in.capacity
        row.funded_places = s_in.funded_places
        apply_stated_places(row, s_in.places_available, now)
        row.status = s_in.status.value
        row.withdrawn_at = None
        row.updated_at = now
        row.version = (row.version or 0) + 1
        row.change_seq = seq
        session.add(row)
    for row in existing.values():  # sessions absent from the body are withdrawn
        if row.withdrawn_at is None:
            row.withdrawn_at = now
            row.updated_at = now
            row.version += 1
            row.change_seq = seq
            session.add(row)
    session.flush()
    return UpsertResult(offer, created=created, changed=True)


def withdraw_offer(session: Session, source: str, external_id: str, now: datetime | None = None) -> bool:
    """Hide an offer from lists, search and matching; kept for history. False when unknown."""
    offer = repo.offer_by_key(session, source, external_id)
    if offer is None:
        return False
    if offer.withdrawn_at is None:
        now = now or utcnow()
        offer.withdrawn_at = now
        offer.updated_at = now
        offer.change_seq = repo.next_change_seq(session)
        session.add(offer)
        session.flush()
    return True


def get_offer(session: Session, offer_id: int, *, include_withdrawn: bool = False) -> OfferOut:
    out = repo.load_offers_out(session, [offer_id])
    if not out or (out[0].withdrawn and not include_withdrawn):
        raise NotFound(f"Aucune offre n°{offer_id}.")
    return out[0]


def get_session(session: Session, session_id: int) -> tuple[SessionOut, TrainingSession]:
    row = repo.session_by_id(session, session_id)
    if row is None or row.withdrawn_at is not None:
        raise NotFound(f"Aucune session n°{session_id}.")
    offer = repo.offer_by_id(session, row.offer_id)
    if offer is None or offer.withdrawn_at is not None:
        raise NotFound(f"Aucune session n°{session_id}.")
    return repo.session_out(row), row


def update_places(
    session: Session, session_id: int, body: PlacesUpdate, principal: Principal, if_match: str | None
) -> TrainingSession:
    """The organisation states its live count (CONTRACT § Live places)."""
    row = repo.session_for_update(session, session_id)
    offer = repo.offer_by_id(session, row.offer_id) if row else None
    if row is None or row.withdrawn_at is not None or offer is None or offer.withdrawn_at is not None:
        raise NotFound(f"Aucune session n°{session_id}.")
    org = session.get(repo.Organisation, offer.organisation_id)
    if not principal.may_manage_session(offer.source, org.siret if org else None):
        raise Forbidden("Cette clé ne gère pas les places de cette session.")
    check_if_match(if_match, session_etag(row))
    now = utcnow()
    apply_stated_places(row, body.places_available, now)
    if body.capacity is not None:
        row.capacity = body.capacity
    if row.places_available and row.status == SessionStatus.FULL.value:
        row.status = SessionStatus.OPEN.value  # the organisation reopened places
    row.places_updated_at = now
    row.version += 1
    row.updated_at = now
    row.change_seq = repo.next_change_seq(session)
    offer.updated_at = now
    offer.change_seq = row.change_seq
    session.add_all([row, offer])
    session.flush()
    return row
