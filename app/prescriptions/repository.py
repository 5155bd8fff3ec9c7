"""All prescription SQL, including the atomic place moves.

Lock order (PostgreSQL), the same in every write so two of them never deadlock:
1. the prescription row (compare-and-set on its status),
2. the offer row (locked before its session: catalogue writes — PUT, imports, places — update the
   offer, then its sessions),
3. the session row (conditional UPDATE of `places_available`).
No lock is shared by all writers: the change stamp comes from `app.catalogue.stamps`, which takes
none between writers on PostgreSQL. On SQLite a write transaction begins with BEGIN IMMEDIATE, so
writers are serialised anyway; the conditional UPDATEs keep the invariants on both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, false, func, or_, true, update
from sqlmodel import Session, select

from app.catalogue.models import Offer, Organisation, TrainingSession
from app.core.db import UTCDateTime
from app.prescriptions.models import Entry, Prescription, PrescriptionEvent
from app.prescriptions.states import ACTIVE, Status

_ACTIVE = [s.value for s in ACTIVE]

# Hot statements are built once, on the tables (core), and run with parameters: a prescription is
# a handful of small statements while row locks are held, so their Python cost matters.
_s = TrainingSession.__table__
_o = Offer.__table__
_org = Organisation.__table__
_p = Prescription.__table__
_e = Entry.__table__
_ev = PrescriptionEvent.__table__
_TS = UTCDateTime()

_SESSION_INFO = (
    select(_s.c.id, _s.c.offer_id, _o.c.source, _org.c.siret, _s.c.status, _s.c.places_available,
           or_(_s.c.withdrawn_at.is_not(None), _o.c.withdrawn_at.is_not(None)))
    .select_from(_s.join(_o, _o.c.id == _s.c.offer_id).join(_org, _org.c.id == _o.c.organisation_id))
    .where(_s.c.id == bindparam("p_sid"))
)
_STAMP = dict(places_updated_at=bindparam("p_now", type_=_TS), updated_at=bindparam("p_now", type_=_TS),
              change_seq=bindparam("p_seq"), version=_s.c.version + 1)
_TAKE_ANY = (_s.update().where(_s.c.id == bindparam("p_sid"), _s.c.places_available > 0)
             .values(places_available=_s.c.places_available - 1, **_STAMP).returning(_s.c.offer_id))
_TAKE_OPEN = _TAKE_ANY.where(
    _s.c.status == "open", _s.c.withdrawn_at.is_(None),
    ~select(_o.c.id).where(_o.c.id == _s.c.offer_id, _o.c.withdrawn_at.is_not(None)).exists())
_GIVE_BACK = (
    _s.update()
    .where(_s.c.id == bindparam("p_sid"), _s.c.places_available.is_not(None),
           or_(_s.c.capacity.is_(None), _s.c.places_available < _s.c.capacity,
               _s.c.places_available < _s.c.places_stated))
    .values(places_available=_s.c.places_available + 1, **_STAMP).returning(_s.c.offer_id)
)
_LOCK_OFFER = (select(_o.c.id).where(_o.c.id == select(_s.c.offer_id).where(_s.c.id == bindparam("p_sid"))
                                    .scalar_subquery()).with_for_update(key_share=True))
_STAMP_OFFER = (_o.update().where(_o.c.id == bindparam("p_oid"))
                .values(change_seq=bindparam("p_seq"), updated_at=bindparam("p_now", type_=_TS)))
_ACTIVE_ID = select(_p.c.id).where(_p.c.session_id == bindparam("p_sid"), _p.c.jobseeker_ref == bindparam("p_ref"),
                                   _p.c.status.in_(_ACTIVE))
_ENTRY_ID = select(_e.c.id).where(_e.c.session_id == bindparam("p_sid"), _e.c.jobseeker_ref == bindparam("p_ref"))
_INSERT_PRESCRIPTION = _p.insert().returning(_p.c.id)
_INSERT_EVENT = _ev.insert()


# --- sessions and their places ------------------------------------------------------------------


@dataclass(frozen=True)
class SessionInfo:
    id: int
    offer_id: int
    source: str
    organisation_siret: str | None
    status: str
    places_available: int | None
    withdrawn: bool


def session_info(db: Session, session_id: int) -> SessionInfo | None:
    row = db.connection().execute(_SESSION_INFO, {"p_sid": session_id}).first()
    return SessionInfo(*row) if row else None


def session_id_by_ref(db: Session, source: str, offer_external_id: str, session_external_id: str) -> int | None:
    return db.execute(
        select(TrainingSession.id).join(Offer, Offer.id == TrainingSession.offer_id)
        .where(Offer.source == source, Offer.external_id == offer_external_id,
               TrainingSession.external_id == session_external_id)
    ).scalar_one_or_none()


def take_place(db: Session, session_id: int, now: datetime, seq: int, *, require_open: bool) -> bool:
    """Atomically take one live place: True when one was left (and it is now taken).

    The WHERE clause is the whole guarantee: concurrent takers on PostgreSQL queue on the row lock
    and re-check `places_available > 0` on the row they finally get (READ COMMITTED). The same
    statement stamps the session (change_seq, version, updated_at) for the search index and the
    matching snapshot; its offer is stamped next."""
    conn = db.connection()
    conn.execute(_LOCK_OFFER, {"p_sid": session_id})  # lock order: the offer before its session
    offer_id = conn.execute(_TAKE_OPEN if require_open else _TAKE_ANY,
                            {"p_sid": session_id, "p_seq": seq, "p_now": now}).scalar_one_or_none()
    if offer_id is None:
        return False
    conn.execute(_STAMP_OFFER, {"p_oid": offer_id, "p_seq": seq, "p_now": now})
    return True


def give_place_back(db: Session, session_id: int, now: datetime, seq: int) -> bool:
    """Give one place back. Nothing when the count is unknown; never above the session's capacity
    (when known, unless the organisation itself stated more places than that). True when the live
    count changed."""
    conn = db.connection()
    conn.execute(_LOCK_OFFER, {"p_sid": session_id})  # lock order: the offer before its session
    offer_id = conn.execute(_GIVE_BACK, {"p_sid": session_id, "p_seq": seq, "p_now": now}).scalar_one_or_none()
    if offer_id is None:
        return False
    conn.execute(_STAMP_OFFER, {"p_oid": offer_id, "p_seq": seq, "p_now": now})
    return True


# --- prescriptions --------------------------------------------------------------------------------


def has_active_prescription(db: Session, session_id: int, jobseeker_ref: str) -> bool:
    return db.connection().execute(_ACTIVE_ID, {"p_sid": session_id, "p_ref": jobseeker_ref}).first() is not None


def has_entry(db: Session, session_id: int, jobseeker_ref: str) -> bool:
    return db.connection().execute(_ENTRY_ID, {"p_sid": session_id, "p_ref": jobseeker_ref}).first() is not None


def insert_prescription(db: Session, values: dict) -> int:
    return db.connection().execute(_INSERT_PRESCRIPTION, values).scalar_one()


def insert_event(db: Session, values: dict) -> None:
    db.connection().execute(_INSERT_EVENT, values)


def active_prescription(db: Session, session_id: int, jobseeker_ref: str) -> Prescription | None:
    return db.exec(select(Prescription).where(
        Prescription.session_id == session_id, Prescription.jobseeker_ref == jobseeker_ref,
        Prescription.status.in_(_ACTIVE))).first()


def entry_of(db: Session, session_id: int, jobseeker_ref: str) -> Entry | None:
    return db.exec(select(Entry).where(Entry.session_id == session_id, Entry.jobseeker_ref == jobseeker_ref)).first()


def compare_and_set_status(db: Session, prescription_id: int, old: Status, new: Status, now: datetime,
                           *, reason: str | None, reason_code: str | None, release: bool) -> bool:
    """Move the status only if it is still `old`: of two concurrent writers (PATCH, entry, expiry)
    exactly one wins. True when this one did."""
    values: dict = {"status": new.value, "updated_at": now, "version": Prescription.version + 1}
    if new not in ACTIVE:
        values["closed_at"] = now
    if reason is not None or reason_code is not None:
        values["reason"] = reason
        values["reason_code"] = reason_code
    if release:
        values["place_held"] = False
    result = db.execute(
        update(Prescription).where(Prescription.id == prescription_id, Prescription.status == old.value)
        .values(**values).execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def set_place_held(db: Session, prescription_id: int, held: bool) -> None:
    db.execute(update(Prescription).where(Prescription.id == prescription_id).values(place_held=held)
               .execution_options(synchronize_session=False))


def events_of(db: Session, prescription_id: int) -> list[PrescriptionEvent]:
    return list(db.exec(select(PrescriptionEvent).where(PrescriptionEvent.prescription_id == prescription_id)
                        .order_by(PrescriptionEvent.id)))


def due_for_expiry(db: Session, now: datetime, limit: int) -> list[int]:
    return list(db.execute(
        select(Prescription.id).where(Prescription.status == Status.PENDING.value, Prescription.expires_at <= now)
        .order_by(Prescription.id).limit(limit)
    ).scalars())


# --- scope ------------------------------------------------------------------------------------------


def sessions_of_siret(siret: str):
    """Subquery: ids of the sessions whose offer's organisation has this SIRET."""
    return (select(TrainingSession.id).join(Offer, Offer.id == TrainingSession.offer_id)
            .join(Organisation, Organisation.id == Offer.organisation_id).where(Organisation.siret == siret))


@dataclass(frozen=True)
class Scope:
    """Which prescriptions a caller sees: all (admin), by key (adviser), by SIRET (provider)."""

    all: bool = False
    api_key_id: int | None = None
    siret: str | None = None

    def where(self):
        if self.all:
            return true()
        if self.api_key_id is not None:
            return Prescription.api_key_id == self.api_key_id
        if self.siret is not None:
            return Prescription.session_id.in_(sessions_of_siret(self.siret))
        return false()


def prescription_in_scope(db: Session, prescription_id: int, scope: Scope) -> Prescription | None:
    return db.exec(select(Prescription).where(Prescription.id == prescription_id, scope.where())).first()


def list_page(db: Session, scope: Scope, *, status: str | None, session_id: int | None, code: str | None,
              before_id: int | None, limit: int) -> list[Prescription]:
    """At most `limit` prescriptions, newest first, older than `before_id` (keyset on id)."""
    stmt = select(Prescription).where(scope.where())
    if code:
        stmt = stmt.where(Prescription.code == code)
    if status:
        stmt = stmt.where(Prescription.status == status)
    if session_id:
        stmt = stmt.where(Prescription.session_id == session_id)
    if before_id is not None:
        stmt = stmt.where(Prescription.id < before_id)
    return list(db.exec(stmt.order_by(Prescription.id.desc()).limit(limit)))


def offer_ids_of(db: Session, session_ids: set[int]) -> dict[int, int]:
    if not session_ids:
        return {}
    return dict(db.execute(select(TrainingSession.id, TrainingSession.offer_id)
                           .where(TrainingSession.id.in_(list(session_ids)))).all())


def entered_on_of(db: Session, prescription_ids: Sequence[int]) -> dict[int, object]:
    if not prescription_ids:
        return {}
    return dict(db.execute(select(Entry.prescription_id, Entry.entered_on)
                           .where(Entry.prescription_id.in_(list(prescription_ids)))).all())


# --- retention (anonymise) ------------------------------------------------------------------------


def closed_before(db: Session, statuses: Sequence[str], cutoff: datetime, limit: int) -> list[int]:
    """Ids of prescriptions closed (in one of `statuses`) before `cutoff`, not anonymised yet."""
    return list(db.execute(select(Prescription.id).where(
        Prescription.status.in_(statuses), Prescription.closed_at < cutoff,
        Prescription.anonymised_at.is_(None)).limit(limit)).scalars())


def anonymise_prescription(db: Session, prescription_id: int, token: str, now: datetime) -> None:
    db.execute(update(Prescription).where(Prescription.id == prescription_id).values(
        jobseeker_ref=token, note=None, reason=None, anonymised_at=now))


def erase_event_reasons(db: Session, prescription_ids: Sequence[int]) -> None:
    if prescription_ids:
        db.execute(update(PrescriptionEvent).where(PrescriptionEvent.prescription_id.in_(prescription_ids))
                   .values(reason=None))


def entries_before(db: Session, cutoff: datetime, limit: int) -> list[int]:
    """Ids of entries recorded before `cutoff`, not anonymised yet."""
    return list(db.execute(select(Entry.id).where(
        Entry.created_at < cutoff, Entry.anonymised_at.is_(None)).limit(limit)).scalars())


def anonymise_entry(db: Session, entry_id: int, token: str, now: datetime) -> None:
    db.execute(update(Entry).where(Entry.id == entry_id).values(jobseeker_ref=token, anonymised_at=now))


# --- consistency (tests, benchmark) -------------------------------------------------------------------


def place_ledger(db: Session, session_id: int) -> dict[str, int]:
    """What the log says about one session's places; with no restated figure in between,
    `places_available` = stated − `taken_by_prescriptions` − `taken_by_entries`."""
    held_now = db.execute(select(func.count()).where(
        Prescription.session_id == session_id, Prescription.place_held.is_(True))).scalar_one()
    delta = db.execute(
        select(func.coalesce(func.sum(PrescriptionEvent.place_delta), 0)).select_from(PrescriptionEvent)
        .join(Prescription, Prescription.id == PrescriptionEvent.prescription_id)
        .where(Prescription.session_id == session_id)).scalar_one()
    entries = db.execute(select(func.count()).where(
        Entry.session_id == session_id, Entry.place_taken.is_(True))).scalar_one()
    return {"held_now": held_now, "taken_by_prescriptions": -int(delta), "taken_by_entries": entries}
