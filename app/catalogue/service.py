"""Catalogue rules: upsert and withdraw offers, update live places. Services never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from app.auth.keys import Principal
from app.catalogue import repository as repo
from app.catalogue.models import Offer, TrainingSession
from app.catalogue.places import apply_stated_places, stated_places
from app.catalogue.rows import OfferWrite, PreparedOffer, prepare_offer
from app.catalogue.schemas import OfferIn, OfferOut, PlacesUpdate, SessionOut
from app.core.clock import utcnow
from app.core.etags import check_if_match
from app.core.problems import Forbidden, NotFound
from app.reference.catalogue_codes import SessionStatus


def offer_etag(offer: Offer) -> str:
    return f'"{offer.content_hash[:20]}-{int(offer.withdrawn_at is not None)}"'


def session_etag(s: TrainingSession) -> str:
    return f'"s{s.id}-v{s.version}"'


@dataclass
class UpsertResult:
    offer_id: int
    external_id: str
    created: bool
    changed: bool


def upsert_offers(session: Session, source: str, writes: list[OfferWrite], *, now: datetime | None = None,
                  body_path: tuple = ("body",), seq: int | None = None) -> list[UpsertResult]:
    """Create or update offers of one source with their sessions (see `write_offers`). Places are
    resolved only for offers whose content changed. Used by the PUT endpoint (a batch of one) and the
    demo and benchmark loaders; importers prepare their offers beforehand and call `write_offers`."""
    existing = repo.offer_heads(session, source, [w.external_id for w in writes])
    results: dict[str, UpsertResult] = {}
    changed: list[PreparedOffer] = []
    for w in writes:
        head = existing.get(w.external_id)
        if _unchanged(head, w.digest):
            results[w.external_id] = UpsertResult(head.id, w.external_id, created=False, changed=False)
        else:
            changed.append(prepare_offer(w, body_path))
    for r in write_offers(session, source, changed, now=now, seq=seq, existing=existing):
        results[r.external_id] = r
    return [results[w.external_id] for w in writes]


def _unchanged(head: repo.OfferHead | None, digest: str) -> bool:
    """Stored, live and with the same content: a write changes nothing."""
    return head is not None and head.content_hash == digest and head.withdrawn_at is None


def write_offers(session: Session, source: str, offers: list[PreparedOffer], *, now: datetime | None = None,
                 seq: int | None = None, existing: dict[str, repo.OfferHead] | None = None,
                 renamed: dict[int, str] | None = None) -> list[UpsertResult]:
    """Create or update offers of one source with their sessions, in a few statements per batch.

    Unchanged content (same hash, not withdrawn) writes nothing. Sessions absent from an offer's
    body are withdrawn. Every row written is stamped with one new `change_seq` — or with `seq` when
    given (importers staging rows nobody may see yet pass 0: no stamp, no lock on the counter).
    One code path for every writer: PUT (a batch of one), imports and loaders (batches of hundreds)."""
    now = now or utcnow()
    if existing is None:
        existing = repo.offer_heads(session, source, [p.external_id for p in offers])
    results: dict[str, UpsertResult] = {}
    todo: list[PreparedOffer] = []
    for p in offers:
        head = existing.get(p.external_id)
        if _unchanged(head, p.digest):
            results[p.external_id] = UpsertResult(head.id, p.external_id, created=False, changed=False)
        else:
            todo.append(p)
    if todo:
        seq = repo.next_change_seq(session) if seq is None else seq
        orgs = repo.organisations_for(session, [p.organisation for p in todo], renamed=renamed)
        stamps = {"updated_at": now, "withdrawn_at": None, "change_seq": seq}
        inserts, updates = [], []
        for p in todo:
            values = {"organisation_id": orgs[p.organisation], **stamps, **p.values}
            head = existing.get(p.external_id)
            if head is None:
                inserts.append({"raw_source": None, "raw_format": None, **values, "source": source,
                                "external_id": p.external_id, "created_at": now})
            else:
                updates.append((head.id, values))
        new_ids = repo.insert_offers(session, source, inserts)
        repo.update_offers(session, updates)
        ids = {**{p.external_id: existing[p.external_id].id for p in todo if p.external_id in existing}, **new_ids}
        repo.replace_links_many(session, [(ids[p.external_id], *p.links) for p in todo],
                                fresh={new_ids[e] for e in new_ids})
        _write_sessions(session, todo, ids, now, seq, fresh=set(new_ids.values()))
        for p in todo:
            results[p.external_id] = UpsertResult(ids[p.external_id], p.external_id,
                                                  created=p.external_id not in existing, changed=True)
        session.expire_all()  # rows were written with Core statements: reload ORM objects on next access
    return [results[p.external_id] for p in offers]


def _write_sessions(session: Session, todo: list[PreparedOffer], ids: dict[str, int], now: datetime, seq: int,
                    *, fresh: set[int]) -> None:
    """`fresh`: offers created in this batch (they have no sessions yet: nothing to read)."""
    current = repo.session_heads(session, [ids[p.external_id] for p in todo if ids[p.external_id] not in fresh])
    stamps = {"withdrawn_at": None, "updated_at": now, "change_seq": seq}
    inserts: list[dict] = []
    updates: list[tuple[int, dict]] = []
    withdraw: list[int] = []
    for p in todo:
        offer_id = ids[p.external_id]
        mine = current.get(offer_id, {})
        for external_id, columns, stated in p.sessions:
            head = mine.pop(external_id, None)
            values = {**columns, **stamps}
            last_stated, live = (head.places_stated, head.places_available) if head else (None, None)
            values["places_stated"], values["places_available"], replaced = stated_places(last_stated, live, stated)
            if head is None:
                inserts.append({**values, "offer_id": offer_id, "external_id": external_id, "version": 1,
                                "places_updated_at": now if replaced else None})
            else:
                values["version"] = head.version + 1
                values["places_updated_at"] = now if replaced else head.places_updated_at
                updates.append((head.id, values))
        withdraw += [h.id for h in mine.values() if h.withdrawn_at is None]
    repo.insert_sessions(session, inserts)
    repo.update_sessions(session, updates)
    repo.withdraw_sessions(session, withdraw, now, seq)


def upsert_offer(session: Session, source: str, external_id: str, data: OfferIn, *, raw_source: str | None = None,
                 raw_format: str | None = None, now: datetime | None = None,
                 body_path: tuple = ("body",)) -> UpsertResult:
    """One offer (the PUT endpoint)."""
    w = OfferWrite(external_id, data, raw_source=raw_source, raw_format=raw_format)
    return upsert_offers(session, source, [w], now=now, body_path=body_path)[0]


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
    # The catalogue counter first, then the session row: the lock order of every writer
    # (imports, prescriptions), so two writers on PostgreSQL never deadlock.
    seq = repo.next_change_seq(session)
    row = repo.session_for_update(session, session_id)
    offer = repo.offer_by_id(session, row.offer_id) if row else None
    if row is None or row.withdrawn_at is not None or offer is None or offer.withdrawn_at is not None:
        raise NotFound(f"Aucune session n°{session_id}.")
    org = session.get(repo.Organisation, offer.organisation_id)
    if not principal.may_manage_session(offer.source, org.siret if org else None):
        raise Forbidden("Cette clé ne gère pas les places de cette session.")
    check_if_match(if_match, session_etag(row), "La session")
    now = utcnow()
    apply_stated_places(row, body.places_available, now)
    if body.capacity is not None:
        row.capacity = body.capacity
    if row.places_available and row.status == SessionStatus.FULL.value:
        row.status = SessionStatus.OPEN.value  # the organisation reopened places
    row.places_updated_at = now
    row.version += 1
    row.updated_at = now
    row.change_seq = seq
    offer.updated_at = now
    offer.change_seq = row.change_seq
    session.add_all([row, offer])
    session.flush()
    return row
