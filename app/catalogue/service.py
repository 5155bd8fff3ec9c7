"""Catalogue rules: list, read, upsert and withdraw offers, update live places. Services never commit.

Who may change what is decided here, so every caller (the API today, the command line or others
later) gets the same rules: a key writes the offers of the sources it may write
(`Principal.may_write_source`) and the places of the sessions it manages
(`Principal.may_manage_session`). Which roles may call a route at all is declared on the route
(`Access`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from sqlmodel import Session

from app.auth.keys import Principal
from app.catalogue import repository as repo
from app.catalogue.models import TrainingSession
from app.catalogue.places import apply_stated_places, stated_places
from app.catalogue.rows import OfferWrite, PreparedOffer, prepare_offer
from app.catalogue.schemas import OfferIn, OfferOut, OfferPage, PlacesUpdate, SessionOut
from app.catalogue.stamps import next_change_seq
from app.core.clock import utcnow
from app.core.etags import check_if_match
from app.core.pagination import keyset_page
from app.core.problems import Forbidden, NotFound
from app.reference.catalogue_codes import SessionStatus


def offer_etag(content_hash: str, withdrawn: bool) -> str:
    return f'"{content_hash[:20]}-{int(withdrawn)}"'


def session_etag(s: TrainingSession) -> str:
    return f'"s{s.id}-v{s.version}"'


@dataclass
class UpsertResult:
    offer_id: int
    external_id: str
    created: bool
    changed: bool


def upsert_offers(db: Session, source: str, writes: list[OfferWrite], *, now: datetime | None = None,
                  body_path: tuple = ("body",), seq: int | None = None) -> list[UpsertResult]:
    """Create or update offers of one source with their sessions (see `write_offers`). Places are
    resolved only for offers whose content changed. Used by the PUT endpoint (a batch of one) and the
    demo and benchmark loaders; importers prepare their offers beforehand and call `write_offers`."""
    existing = repo.offer_heads(db, source, [w.external_id for w in writes])
    results, changed = _set_aside_unchanged(writes, existing)
    prepared = [prepare_offer(w, body_path) for w in changed]
    for r in write_offers(db, source, prepared, now=now, seq=seq, existing=existing):
        results[r.external_id] = r
    return [results[w.external_id] for w in writes]


class _Keyed(Protocol):
    external_id: str
    digest: str


Keyed = TypeVar("Keyed", bound=_Keyed)


def _set_aside_unchanged(offers: Sequence[Keyed], existing: dict[str, repo.OfferHead]
                         ) -> tuple[dict[str, UpsertResult], list[Keyed]]:
    """The results of the offers a write would not change (stored, live, same content), and the others."""
    results: dict[str, UpsertResult] = {}
    todo: list[Keyed] = []
    for o in offers:
        head = existing.get(o.external_id)
        if head is not None and head.content_hash == o.digest and head.withdrawn_at is None:
            results[o.external_id] = UpsertResult(head.id, o.external_id, created=False, changed=False)
        else:
            todo.append(o)
    return results, todo


def write_offers(db: Session, source: str, offers: list[PreparedOffer], *, now: datetime | None = None,
                 seq: int | None = None, existing: dict[str, repo.OfferHead] | None = None,
                 renamed: dict[int, str] | None = None) -> list[UpsertResult]:
    """Create or update offers of one source with their sessions, in a few statements per batch.

    Unchanged content (same hash, not withdrawn) writes nothing. Sessions absent from an offer's
    body are withdrawn. Every row written is stamped with one new `change_seq` — or with `seq` when
    given (importers staging rows nobody may see yet pass 0: no stamp).
    One code path for every writer: PUT (a batch of one), imports and loaders (batches of hundreds)."""
    now = now or utcnow()
    if existing is None:
        existing = repo.offer_heads(db, source, [p.external_id for p in offers])
    results, todo = _set_aside_unchanged(offers, existing)
    if todo:
        seq = next_change_seq(db) if seq is None else seq
        orgs = repo.organisations_for(db, [p.organisation for p in todo], renamed=renamed)
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
        new_ids = repo.insert_offers(db, source, inserts)
        repo.update_offers(db, updates)
        ids = {**{p.external_id: existing[p.external_id].id for p in todo if p.external_id in existing}, **new_ids}
        repo.replace_links_many(db, [(ids[p.external_id], *p.links) for p in todo],
                                fresh={new_ids[e] for e in new_ids})
        _write_sessions(db, todo, ids, now, seq, fresh=set(new_ids.values()))
        for p in todo:
            results[p.external_id] = UpsertResult(ids[p.external_id], p.external_id,
                                                  created=p.external_id not in existing, changed=True)
        db.expire_all()  # rows were written with Core statements: reload ORM objects on next access
    return [results[p.external_id] for p in offers]


def _write_sessions(db: Session, todo: list[PreparedOffer], ids: dict[str, int], now: datetime, seq: int,
                    *, fresh: set[int]) -> None:
    """`fresh`: offers created in this batch (they have no sessions yet: nothing to read)."""
    current = repo.session_heads(db, [ids[p.external_id] for p in todo if ids[p.external_id] not in fresh])
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
    repo.insert_sessions(db, inserts)
    repo.update_sessions(db, updates)
    repo.withdraw_sessions(db, withdraw, now, seq)


def upsert_offer(db: Session, source: str, external_id: str, data: OfferIn, *, raw_source: str | None = None,
                 raw_format: str | None = None, now: datetime | None = None,
                 body_path: tuple = ("body",)) -> UpsertResult:
    """One offer (the PUT endpoint)."""
    w = OfferWrite(external_id, data, raw_source=raw_source, raw_format=raw_format)
    return upsert_offers(db, source, [w], now=now, body_path=body_path)[0]


# --- what the API does: each call checks the caller's rights on the record ----------------------


def list_offers(db: Session, filters: repo.OfferFilters, *, cursor_key: bytes, cursor: str | None,
                limit: int) -> OfferPage:
    """One page of offers by id, or of changes since `filters.modified_after` (incremental sync:
    withdrawn offers come as markers), in keyset order."""
    sync = filters.modified_after is not None
    query = {"list": "offers", "departement": filters.departement, "region": filters.region,
             "funder": filters.funder, "sector": filters.sector, "level": filters.level,
             "modified_after": filters.modified_after.isoformat() if sync else None}
    page = keyset_page(cursor_key, query, cursor, limit,
                       fetch=lambda after, n: repo.list_offer_page(db, filters, after, n),
                       position=lambda row: repo.offer_position(row, filters),
                       shape=repo.offer_position_shape(filters))
    live = {o.id: o for o in repo.load_offers_out(db, [r.id for r in page.items if not r.withdrawn])}
    markers = repo.withdrawn_markers(db, [r.id for r in page.items if r.withdrawn]) if sync else {}
    items = [live.get(r.id) or markers.get(r.id) for r in page.items]
    return OfferPage(items=[i for i in items if i is not None], next_cursor=page.next_cursor)


def get_offer(db: Session, offer_id: int) -> tuple[OfferOut, str]:
    """A live offer and its ETag, read once."""
    found = repo.load_offer(db, offer_id)
    if found is None or found.offer.withdrawn:
        raise NotFound(f"Aucune offre n°{offer_id}.")
    return found.offer, offer_etag(found.content_hash, withdrawn=False)


def get_session(db: Session, session_id: int) -> tuple[SessionOut, str]:
    """A live session of a live offer, and its ETag."""
    row = repo.session_by_id(db, session_id)
    if row is None or row.withdrawn_at is not None:
        raise NotFound(f"Aucune session n°{session_id}.")
    offer = repo.offer_by_id(db, row.offer_id)
    if offer is None or offer.withdrawn_at is not None:
        raise NotFound(f"Aucune session n°{session_id}.")
    return repo.session_out(row), session_etag(row)


@dataclass(frozen=True)
class PublishedOffer:
    offer: OfferOut
    etag: str
    created: bool


def publish_offer(db: Session, principal: Principal, source: str, external_id: str, data: OfferIn,
                  if_match: str | None) -> PublishedOffer:
    """PUT: create or replace an offer of a source the caller may write, from the version it read
    (`If-Match`, when given)."""
    if not principal.may_write_source(source):
        raise Forbidden(f"Cette clé ne peut pas publier d'offres pour la source « {source} ».")
    existing = repo.offer_by_key(db, source, external_id)
    if existing is not None:
        check_if_match(if_match, offer_etag(existing.content_hash, existing.withdrawn_at is not None), "L'offre")
    result = upsert_offer(db, source, external_id, data)
    found = repo.load_offer(db, result.offer_id)  # live: an upsert never leaves its offer withdrawn
    return PublishedOffer(found.offer, offer_etag(found.content_hash, withdrawn=False), result.created)


def withdraw_offer(db: Session, principal: Principal, source: str, external_id: str,
                   now: datetime | None = None) -> None:
    """DELETE: hide an offer from lists, search and matching; kept for history."""
    if not principal.may_write_source(source):
        raise Forbidden(f"Cette clé ne peut pas retirer d'offres de la source « {source} ».")
    offer = repo.offer_by_key(db, source, external_id)
    if offer is None:
        raise NotFound(f"Aucune offre {source}/{external_id}.")
    if offer.withdrawn_at is None:
        now = now or utcnow()
        offer.withdrawn_at = now
        offer.updated_at = now
        offer.change_seq = next_change_seq(db)
        db.add(offer)
        db.flush()


def update_places(db: Session, principal: Principal, session_id: int, body: PlacesUpdate,
                  if_match: str | None) -> tuple[SessionOut, str]:
    """PUT places: the organisation states its live count (CONTRACT § Live places). The session
    and its ETag after the change."""
    # The offer row, then the session row: the lock order of every writer (imports, prescriptions),
    # so two writers on PostgreSQL never deadlock.
    row, offer = repo.lock_session_and_offer(db, session_id)
    if row is None or row.withdrawn_at is not None or offer is None or offer.withdrawn_at is not None:
        raise NotFound(f"Aucune session n°{session_id}.")
    if not principal.may_manage_session(offer.source, repo.organisation_siret(db, offer.organisation_id)):
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
    row.change_seq = next_change_seq(db)
    offer.updated_at = now
    offer.change_seq = row.change_seq
    db.add_all([row, offer])
    db.flush()
    return repo.session_out(row), session_etag(row)
