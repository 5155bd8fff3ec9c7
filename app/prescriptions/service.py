"""Prescription rules: prescribe (holding a place), change status (the one place where it happens),
record entries. Services never commit: the caller's unit of work does."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from app.auth.keys import Principal
from app.catalogue.stamps import next_change_seq
from app.core.clock import paris_day, utcnow
from app.core.etags import check_if_match
from app.core.pagination import keyset_page
from app.core.problems import Conflict, NotFound, Unprocessable
from app.prescriptions import repository as repo
from app.prescriptions.models import Entry, Prescription
from app.prescriptions.schemas import (
    EntryIn,
    EntryResult,
    EventOut,
    InvalidEntry,
    PrescriptionDetail,
    PrescriptionIn,
    PrescriptionOut,
    PrescriptionPage,
    PrescriptionPatch,
)
from app.prescriptions.states import (
    ACTIVE,
    Actor,
    Status,
    TransitionRefused,
    actor_for,
    check_transition,
    releases_place,
)
from app.reference.publics import expand_publics
from app.reference.roles import Role

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed without doubt
SYSTEM_NAME = "Expiration automatique"


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def normalise_code(text: str) -> str:
    raw = "".join(c for c in text.upper() if c.isalnum())
    return f"{raw[:4]}-{raw[4:]}" if len(raw) == 8 else text.strip().upper()


def publics_tags(publics: Sequence[str]) -> str:
    """`|a|b|` with the implied categories, for a portable LIKE '%|code|%' filter."""
    codes = sorted(p.value for p in expand_publics(publics))
    return "|" + "".join(f"{c}|" for c in codes)


def etag(p: Prescription) -> str:
    return etag_of(p.id, p.version)


def etag_of(prescription_id: int, version: int) -> str:
    return f'"p{prescription_id}-v{version}"'


def conflict(code: str, detail: str) -> Conflict:
    """A 409 whose `type` ends with `code` and which carries `code` too (e.g. session_full)."""
    return Conflict(detail, slug=code, extra={"code": code})


def scope_of(principal: Principal) -> repo.Scope:
    if principal.role is Role.ADMIN:
        return repo.Scope(all=True)
    if principal.role is Role.ADVISER:
        return repo.Scope(api_key_id=principal.key_id)
    if principal.role is Role.PROVIDER and principal.siret:
        return repo.Scope(siret=principal.siret)
    return repo.Scope()


# --- prescribe ------------------------------------------------------------------------------------


def prescribe(db: Session, principal: Principal, data: PrescriptionIn, *, ttl_days: int,
              now: datetime | None = None) -> PrescriptionOut:
    """Create a pending prescription; hold one place at once when the session's places are known.

    The checks that only read come first; the critical section (offer and session row locks →
    conditional UPDATE of the places → inserts → commit) is kept to a few statements, since the
    prescriptions of one offer go through it one at a time. The conditional UPDATE and the partial
    unique index are what guarantee the rules: a check made before them is only for the message."""
    now = now or utcnow()
    info = repo.session_info(db, data.session_id)
    if info is None:
        raise NotFound(f"Aucune session n°{data.session_id}.")
    _check_open(info)
    if info.places_available == 0:  # full when we looked: no need to queue for the row lock to hear it
        raise _full()
    if repo.has_active_prescription(db, info.id, data.jobseeker_ref):
        raise _already_prescribed()
    if repo.has_entry(db, info.id, data.jobseeker_ref):
        raise conflict("already_entered", "Cette personne est déjà entrée dans cette session.")
    seq = next_change_seq(db)
    held = repo.take_place(db, info.id, now, seq, require_open=True)
    if not held:  # full, closed meanwhile, or places unknown (then nothing to hold)
        info = repo.session_info(db, info.id)
        _check_open(info)
        if info.places_available is not None:
            raise _full()
    publics = [p.value for p in data.publics]
    values = dict(
        code=new_code(), session_id=info.id, jobseeker_ref=data.jobseeker_ref, publics=publics,
        publics_tags=publics_tags(publics), note=data.note, status=Status.PENDING.value, place_held=held,
        api_key_id=principal.key_id, adviser_name=principal.name, adviser_organisation=principal.organisation,
        adviser_contact=principal.contact, reason=None, reason_code=None, created_at=now, updated_at=now,
        expires_at=now + timedelta(days=ttl_days), closed_at=None, anonymised_at=None, version=1,
    )
    try:
        pid = repo.insert_prescription(db, values)
    except IntegrityError as exc:  # the transaction is lost: answer, the caller's unit of work rolls back
        text = str(exc.orig)
        if "uq_prescription_code" in text or "prescription.code" in text:  # one chance in 10^12
            raise Conflict("Code de prescription déjà attribué : réessayez.") from None
        raise _already_prescribed() from None  # the same person, prescribed concurrently
    repo.insert_event(db, dict(
        prescription_id=pid, at=now, from_status=None, to_status=Status.PENDING.value,
        actor_role=principal.role.value, actor_key_id=principal.key_id, actor_name=principal.name,
        via="api", reason=None, reason_code=None, place_delta=-1 if held else 0))
    return to_out(db, [Prescription(id=pid, **values)], offer_ids={info.id: info.offer_id}, entered={})[0]


def _check_open(info: repo.SessionInfo) -> None:
    if info.withdrawn:
        raise conflict("session_not_open", "Cette session a été retirée du catalogue.")
    if info.status == "full":
        raise conflict("session_full", "La session est déclarée complète.")
    if info.status != "open":
        raise conflict("session_not_open", f"La session n'est pas ouverte au recrutement (statut « {info.status} »).")


def _full() -> Conflict:
    return conflict("session_full", "Plus aucune place disponible sur cette session.")


def _already_prescribed() -> Conflict:
    return conflict("already_prescribed",
                    "Cette personne a déjà une prescription en attente ou acceptée sur cette session.")


# --- transitions ------------------------------------------------------------------------------------


def transition(
    db: Session,
    p: Prescription,
    new: Status,
    actor: Actor,
    who: Principal | None,
    *,
    seq: int,
    now: datetime | None = None,
    reason: str | None = None,
    reason_code: str | None = None,
    via: str = "api",
    entered_on: date | None = None,
    entry_publics: Sequence[str] = (),
) -> bool:
    """The only way a prescription's status changes. Checks the state machine, moves the status
    with a compare-and-set (False when a concurrent writer moved it first: nothing done), moves
    the place, logs the transition and, for `entered`, records the entry.

    The caller passes the transaction's change stamp (`seq`, from `next_change_seq`), stamped on
    the session and its offer if a place moves."""
    now = now or utcnow()
    old = Status(p.status)
    check_transition(old, new, actor)
    release = releases_place(old, new) and p.place_held
    if not repo.compare_and_set_status(db, p.id, old, new, now, reason=reason, reason_code=reason_code,
                                       release=release):
        return False
    delta = 0
    held = p.place_held and not release
    if release and repo.give_place_back(db, p.session_id, now, seq):
        delta = +1
    if new is Status.ENTERED:
        if not held and repo.take_place(db, p.session_id, now, seq, require_open=False):
            repo.set_place_held(db, p.id, True)  # an entry occupies a place
            held, delta = True, -1
        publics = sorted(set(p.publics) | set(entry_publics))
        db.add(Entry(session_id=p.session_id, jobseeker_ref=p.jobseeker_ref,
                          entered_on=entered_on or paris_day(now), publics=publics,
                          publics_tags=publics_tags(publics), prescription_id=p.id, place_taken=False,
                          api_key_id=who.key_id if who else p.api_key_id, created_at=now))
        db.flush()
    repo.insert_event(db, dict(
        prescription_id=p.id, at=now, from_status=old.value, to_status=new.value,
        actor_role=who.role.value if who else "system", actor_key_id=who.key_id if who else None,
        actor_name=who.name if who else SYSTEM_NAME, via=via, reason=reason, reason_code=reason_code,
        place_delta=delta))
    # What the compare-and-set wrote, without reading the row back (nor marking it to write again).
    changed = {"status": new.value, "updated_at": now, "version": p.version + 1, "place_held": held}
    if new not in ACTIVE:
        changed["closed_at"] = now
    if reason is not None or reason_code is not None:
        changed |= {"reason": reason, "reason_code": reason_code}
    for key, value in changed.items():
        set_committed_value(p, key, value)
    return True


def change_status(db: Session, principal: Principal, prescription_id: int, body: PrescriptionPatch,
                  if_match: str | None, *, now: datetime | None = None) -> PrescriptionOut:
    """PATCH: the caller's transition, in their scope (else 404), from the current version (If-Match)."""
    now = now or utcnow()
    p = repo.prescription_in_scope(db, prescription_id, scope_of(principal))
    if p is None:
        raise NotFound(f"Aucune prescription n°{prescription_id}.")
    check_if_match(if_match, etag(p), "La prescription")
    new = body.status
    if new is Status.REFUSED and not body.reason:
        raise Unprocessable.at(["body", "reason"], "Un refus doit être motivé (motif en clair dans « reason »).")
    if body.reason_code is not None and new is not Status.REFUSED:
        raise Unprocessable.at(["body", "reason_code"], "« reason_code » ne s'emploie qu'avec un refus.")
    if body.entered_on is not None and new is not Status.ENTERED:
        raise Unprocessable.at(["body", "entered_on"], "« entered_on » ne s'emploie qu'avec le statut « entered ».")
    if body.entered_on is not None and body.entered_on > paris_day(now):
        raise Unprocessable.at(["body", "entered_on"], "La date d'entrée ne peut pas être dans le futur.")
    actor = actor_for(principal.role)
    offer_ids = repo.offer_ids_of(db, {p.session_id})
    try:
        if actor is None:
            raise TransitionRefused("Cette clé ne peut pas changer le statut d'une prescription.")
        check_transition(Status(p.status), new, actor)  # before writing: a refusal costs nothing
        seq = next_change_seq(db)
        done = transition(db, p, new, actor, principal, seq=seq, now=now, reason=body.reason,
                          reason_code=body.reason_code.value if body.reason_code else None,
                          entered_on=body.entered_on)
    except TransitionRefused as exc:
        raise conflict("transition_not_allowed", str(exc)) from None
    except IntegrityError:
        raise conflict("already_entered", "Une entrée en formation est déjà enregistrée pour cette personne "
                                          "sur cette session.") from None
    if not done:  # moved by someone else between our read and our write
        raise conflict("transition_not_allowed", "Le statut de la prescription vient de changer : relisez-la.")
    entered = {p.id: body.entered_on or paris_day(now)} if new is Status.ENTERED else {}
    return to_out(db, [p], offer_ids=offer_ids, entered=entered)[0]


# --- reads -------------------------------------------------------------------------------------------


def list_prescriptions(db: Session, principal: Principal, *, status: Status | None, session_id: int | None,
                       code: str | None, cursor_key: bytes, cursor: str | None, limit: int) -> PrescriptionPage:
    """The caller's prescriptions (see `scope_of`), newest first, in keyset pages."""
    code = normalise_code(code) if code else None
    query = {"list": "prescriptions", "status": status.value if status else None, "session_id": session_id,
             "code": code}
    page = keyset_page(cursor_key, query, cursor, limit,
                       fetch=lambda after, n: repo.list_page(
                           db, scope_of(principal), status=query["status"], session_id=session_id, code=code,
                           before_id=after[0] if after else None, limit=n),
                       position=lambda p: [p.id], shape=(int,))
    return PrescriptionPage(items=to_out(db, page.items), next_cursor=page.next_cursor)


def get_in_scope(db: Session, principal: Principal, prescription_id: int) -> Prescription:
    p = repo.prescription_in_scope(db, prescription_id, scope_of(principal))
    if p is None:
        raise NotFound(f"Aucune prescription n°{prescription_id}.")
    return p


def to_out(db: Session, rows: Sequence[Prescription], *, offer_ids: dict[int, int] | None = None,
           entered: dict[int, date] | None = None) -> list[PrescriptionOut]:
    """API objects; `offer_ids` (session → offer) and `entered` (prescription → date) save the
    queries when the caller knows them."""
    entered = repo.entered_on_of(db, [p.id for p in rows]) if entered is None else entered
    offers = repo.offer_ids_of(db, {p.session_id for p in rows}) if offer_ids is None else offer_ids
    return [PrescriptionOut(
        id=p.id, code=p.code, status=Status(p.status), session_id=p.session_id, offer_id=offers.get(p.session_id),
        jobseeker_ref=p.jobseeker_ref, publics=list(p.publics), note=p.note, place_held=p.place_held,
        expires_at=p.expires_at,
        adviser={"name": p.adviser_name, "organisation": p.adviser_organisation, "contact": p.adviser_contact},
        reason=p.reason, reason_code=p.reason_code, entered_on=entered.get(p.id), created_at=p.created_at,
        updated_at=p.updated_at, version=p.version,
    ) for p in rows]


def to_detail(db: Session, p: Prescription) -> PrescriptionDetail:
    out = to_out(db, [p])[0]
    history = [EventOut(at=e.at, from_status=e.from_status, to_status=e.to_status, role=e.actor_role,
                        by=e.actor_name, via=e.via, reason=e.reason, reason_code=e.reason_code,
                        place_delta=e.place_delta) for e in repo.events_of(db, p.id)]
    return PrescriptionDetail(**out.model_dump(), history=history)


# --- entries (Kairos) ------------------------------------------------------------------------------------


@dataclass
class _Ctx:
    principal: Principal
    now: datetime
    today: date
    seq: int


def record_entries(db: Session, principal: Principal, entries: Sequence[EntryIn | InvalidEntry], *,
                   now: datetime | None = None) -> list[EntryResult]:
    """One answer per entry, in order. Each entry runs in its own savepoint: an error leaves the
    others alone."""
    now = now or utcnow()
    ctx = _Ctx(principal, now, paris_day(now), next_change_seq(db))
    results = []
    for e in entries:
        if isinstance(e, InvalidEntry):
            results.append(EntryResult(outcome="error", detail=e.detail))
            continue
        try:
            with db.begin_nested():
                results.append(_record_one(db, ctx, e))
        except IntegrityError:  # the same entry committed meanwhile by a concurrent batch
            session_id = _session_id_of(db, e)
            found = repo.entry_of(db, session_id, e.jobseeker_ref) if session_id else None
            results.append(EntryResult(outcome="duplicate", prescription_id=found.prescription_id if found else None,
                                       detail="Entrée déjà enregistrée."))
    return results


def _session_id_of(db: Session, e: EntryIn) -> int | None:
    if e.session_id is not None:
        return e.session_id
    ref = e.session_ref
    return repo.session_id_by_ref(db, ref.source, ref.offer_external_id, ref.session_external_id)


def _record_one(db: Session, ctx: _Ctx, e: EntryIn) -> EntryResult:
    session_id = _session_id_of(db, e)
    info = repo.session_info(db, session_id) if session_id else None
    if info is None:
        return EntryResult(outcome="error", detail="Session introuvable.")
    if not ctx.principal.may_manage_session(info.source, info.organisation_siret):
        return EntryResult(outcome="error", detail="Cette clé ne gère pas cette session (autre organisme ou source).")
    if e.entered_on > ctx.today:
        return EntryResult(outcome="error", detail="La date d'entrée ne peut pas être dans le futur.")
    known = repo.entry_of(db, info.id, e.jobseeker_ref)
    if known is not None:
        return EntryResult(outcome="duplicate", prescription_id=known.prescription_id,
                           detail="Entrée déjà enregistrée.")
    publics = [p.value for p in e.publics]
    p = repo.active_prescription(db, info.id, e.jobseeker_ref)
    if p is not None and transition(db, p, Status.ENTERED, Actor.ENTRY, ctx.principal, seq=ctx.seq, now=ctx.now,
                                    via="entries", entered_on=e.entered_on, entry_publics=publics):
        return EntryResult(outcome="entered", prescription_id=p.id)
    taken = repo.take_place(db, info.id, ctx.now, ctx.seq, require_open=False)
    db.add(Entry(session_id=info.id, jobseeker_ref=e.jobseeker_ref, entered_on=e.entered_on, publics=publics,
                      publics_tags=publics_tags(publics), place_taken=taken, api_key_id=ctx.principal.key_id,
                      created_at=ctx.now))
    db.flush()
    detail = None
    if not taken and info.places_available is not None:
        detail = "Entrée enregistrée ; plus aucune place n'était disponible : le compteur reste à 0."
    return EntryResult(outcome="recorded", detail=detail)
