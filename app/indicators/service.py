"""Indicators (CONTRACT § Indicators): monthly figures and running totals, from the data itself.

What each figure counts, in a calendar month (Europe/Paris):
- `prescriptions`: prescriptions created;
- `accepted`, `refused`, `expired`: transitions to that status (from the log);
- `entries`: entries into training, by their `entered_on` date (after a prescription or recorded
  without one);
- `places_open`: places of the sessions starting that month (capacity, else the stated places;
  sessions cancelled or withdrawn before their start are left out, unknown figures add nothing);
- `entries_in_tension_sectors`: the entries whose session's offer has a sector or a ROME code en
  tension in the session's région (the `tension` reference loaded by the server).
`*_cumulative` is the running total from the `from` month to the row's month, per group.

Filters: `region` / `departement` of the session; `public`: people in that category (a CIR
signatory or a BPI counts as `immigrant` too), and for `places_open` the offers open to it.
`group_by=funder|sector` splits by the offer's funders or sectors: an offer with two funders counts
in both rows (group rows do not add up to the total), an offer with none in the row with no group.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from app.catalogue.models import Offer, OfferFunder, OfferPublic, OfferSector, TrainingSession
from app.core.clock import PARIS
from app.prescriptions.models import Entry, Prescription, PrescriptionEvent
from app.prescriptions.states import Status
from app.reference.publics import Public, expand_publics
from app.reference.tension import TensionList

MAX_MONTHS = 120
METRICS = ("prescriptions", "accepted", "entries", "refused", "expired", "places_open", "entries_in_tension_sectors")
_CHUNK = 900


class GroupBy(StrEnum):
    month = "month"
    funder = "funder"
    sector = "sector"


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        y, m = text.split("-")
        return cls(int(y), int(m))

    @classmethod
    def of(cls, d: date) -> Month:
        return cls(d.year, d.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def index(self) -> int:
        return self.year * 12 + self.month - 1

    def plus(self, n: int) -> Month:
        y, m = divmod(self.index + n, 12)
        return Month(y, m + 1)

    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def start_utc(self) -> datetime:
        """Midnight in Paris on the 1st, as a UTC instant."""
        return datetime(self.year, self.month, 1, tzinfo=PARIS).astimezone(UTC)


@dataclass(frozen=True)
class IndicatorQuery:
    start: Month
    end: Month
    region: str | None = None
    departement: str | None = None
    public: Public | None = None
    group_by: GroupBy = GroupBy.month

    @property
    def months(self) -> list[Month]:
        return [self.start.plus(i) for i in range(self.end.index - self.start.index + 1)]


@dataclass(frozen=True)
class _OfferMeta:
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


def _offer_meta(db: Session, offer_ids: set[int]) -> dict[int, _OfferMeta]:
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
    return {oid: _OfferMeta(tuple(sorted(funders[oid])), tuple(sorted(sectors[oid])), tuple(romes.get(oid, ())),
                            frozenset(publics[oid])) for oid in offer_ids}


def _admits(meta: _OfferMeta, public: Public | None) -> bool:
    """Does the offer let people of this category in? (empty or `all` = everyone)."""
    if public is None or not meta.publics or Public.ALL.value in meta.publics:
        return True
    return bool(meta.publics & {p.value for p in expand_publics([public])})


def _in_tension(tension: TensionList, region: str | None, meta: _OfferMeta) -> bool:
    if not region:
        return False
    sectors = {s.value for s in tension.sectors_in(region)}
    return bool(sectors & set(meta.sectors)) or bool(tension.rome_codes_in(region) & set(meta.rome_codes))


def compute(db: Session, q: IndicatorQuery, tension: TensionList) -> list[dict[str, Any]]:
    start_at, end_at = q.start.start_utc(), q.end.plus(1).start_utc()
    first_day, after_day = q.start.first_day(), q.end.plus(1).first_day()
    where_session = _session_filters(q)
    # facts: (metric, month, offer_id, region, weight)
    facts: list[tuple[str, Month, int, str | None, int]] = []

    def paris_month(at: datetime) -> Month:
        return Month.of(at.astimezone(PARIS).date())

    rows = db.execute(
        select(Prescription.created_at, TrainingSession.offer_id, TrainingSession.region)
        .join(TrainingSession, TrainingSession.id == Prescription.session_id)
        .where(Prescription.created_at >= start_at, Prescription.created_at < end_at, *where_session,
               *_like(Prescription.publics_tags, q.public)))
    facts += [("prescriptions", paris_month(at), oid, reg, 1) for at, oid, reg in rows]

    transitions = {Status.ACCEPTED.value: "accepted", Status.REFUSED.value: "refused", Status.EXPIRED.value: "expired"}
    rows = db.execute(
        select(PrescriptionEvent.at, PrescriptionEvent.to_status, TrainingSession.offer_id, TrainingSession.region)
        .join(Prescription, Prescription.id == PrescriptionEvent.prescription_id)
        .join(TrainingSession, TrainingSession.id == Prescription.session_id)
        .where(PrescriptionEvent.to_status.in_(list(transitions)), PrescriptionEvent.from_status.is_not(None),
               PrescriptionEvent.at >= start_at, PrescriptionEvent.at < end_at, *where_session,
               *_like(Prescription.publics_tags, q.public)))
    facts += [(transitions[to], paris_month(at), oid, reg, 1) for at, to, oid, reg in rows]

    rows = db.execute(
        select(Entry.entered_on, TrainingSession.offer_id, TrainingSession.region)
        .join(TrainingSession, TrainingSession.id == Entry.session_id)
        .where(Entry.entered_on >= first_day, Entry.entered_on < after_day, *where_session,
               *_like(Entry.publics_tags, q.public)))
    entry_facts = [(Month.of(d), oid, reg) for d, oid, reg in rows]
    facts += [("entries", m, oid, reg, 1) for m, oid, reg in entry_facts]

    rows = db.execute(
        select(TrainingSession.start_date, TrainingSession.offer_id, TrainingSession.region, TrainingSession.capacity,
               TrainingSession.places_stated, TrainingSession.withdrawn_at)
        .where(TrainingSession.start_date >= first_day, TrainingSession.start_date < after_day,
               TrainingSession.status != "cancelled", *where_session,
               or_(TrainingSession.withdrawn_at.is_(None),
                   and_(TrainingSession.withdrawn_at.is_not(None), TrainingSession.withdrawn_at >= start_at))))
    sessions = []
    for start, oid, reg, capacity, stated, withdrawn_at in rows:
        if withdrawn_at is not None and withdrawn_at.astimezone(PARIS).date() < start:
            continue  # withdrawn before it started: it never offered its places
        places = capacity if capacity is not None else stated
        if places:
            sessions.append((Month.of(start), oid, reg, places))

    meta = _offer_meta(db, {f[2] for f in facts} | {s[1] for s in sessions})
    facts += [("places_open", m, oid, reg, places) for m, oid, reg, places in sessions if _admits(meta[oid], q.public)]
    facts += [("entries_in_tension_sectors", m, oid, reg, 1) for m, oid, reg in entry_facts
              if _in_tension(tension, reg, meta[oid])]
    return _rows(q, facts, meta)


def _groups_of(q: IndicatorQuery, meta: _OfferMeta) -> tuple[str | None, ...]:
    if q.group_by is GroupBy.funder:
        return meta.funders or (None,)
    if q.group_by is GroupBy.sector:
        return meta.sectors or (None,)
    return (None,)


def _rows(q: IndicatorQuery, facts: list, meta: dict[int, _OfferMeta]) -> list[dict[str, Any]]:
    counts: dict[tuple[str | None, int], dict[str, int]] = defaultdict(lambda: dict.fromkeys(METRICS, 0))
    groups: set[str | None] = set() if q.group_by is not GroupBy.month else {None}
    for metric, month, oid, _reg, weight in facts:
        for g in _groups_of(q, meta[oid]):
            groups.add(g)
            counts[(g, month.index)][metric] += weight
    out = []
    totals: dict[str | None, dict[str, int]] = {g: dict.fromkeys(METRICS, 0) for g in groups}
    ordered = sorted(groups, key=lambda g: (g is None, g or ""))
    for month in q.months:
        for g in ordered:
            row: dict[str, Any] = {"period": str(month)}
            if q.group_by is not GroupBy.month:
                row[q.group_by.value] = g
            figures = counts.get((g, month.index)) or dict.fromkeys(METRICS, 0)
            for metric in METRICS:
                totals[g][metric] += figures[metric]
                row[metric] = figures[metric]
                row[f"{metric}_cumulative"] = totals[g][metric]
            out.append(row)
    return out


def columns(group_by: GroupBy) -> list[str]:
    """The fields of a row, in order (CSV header)."""
    cols = ["period"] + ([group_by.value] if group_by is not GroupBy.month else [])
    for metric in METRICS:
        cols += [metric, f"{metric}_cumulative"]
    return cols
