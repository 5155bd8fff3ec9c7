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
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from app.core.clock import PARIS
from app.core.problems import Unprocessable
from app.indicators import repository as repo
from app.indicators.repository import OfferMeta
from app.indicators.schemas import GroupBy, IndicatorQuery, Month
from app.prescriptions.states import Status
from app.reference.publics import Public, expand_publics
from app.reference.tension import TensionList

MAX_MONTHS = 120
METRICS = ("prescriptions", "accepted", "entries", "refused", "expired", "places_open", "entries_in_tension_sectors")


def query_of(*, start: str | None, end: str | None, today: date, region: str | None = None,
             departement: str | None = None, public: Public | None = None,
             group_by: GroupBy = GroupBy.month) -> IndicatorQuery:
    """The query for months given as YYYY-MM (default: January of this year to this month)."""
    this_month = Month.of(today)
    first = Month.parse(start) if start else Month(this_month.year, 1)
    last = Month.parse(end) if end else this_month
    if first.index > last.index:
        raise Unprocessable.at(["query", "from"], "« from » doit précéder ou égaler « to ».")
    if last.index - first.index + 1 > MAX_MONTHS:
        raise Unprocessable.at(["query", "from"], f"Au plus {MAX_MONTHS} mois par requête.")
    return IndicatorQuery(start=first, end=last, region=region, departement=departement, public=public,
                          group_by=group_by)


def meta_of(q: IndicatorQuery, tension: TensionList) -> dict[str, Any]:
    """What the figures were computed for (the `meta` of the answer)."""
    return {"from": str(q.start), "to": str(q.end), "group_by": q.group_by.value, "region": q.region,
            "departement": q.departement, "public": q.public.value if q.public else None,
            "tension_source": tension.source, "tension_is_proxy": tension.is_proxy}


def _admits(meta: OfferMeta, public: Public | None) -> bool:
    """Does the offer let people of this category in? (empty or `all` = everyone)."""
    if public is None or not meta.publics or Public.ALL.value in meta.publics:
        return True
    return bool(meta.publics & {p.value for p in expand_publics([public])})


def _in_tension(tension: TensionList, region: str | None, meta: OfferMeta) -> bool:
    if not region:
        return False
    sectors = {s.value for s in tension.sectors_in(region)}
    return bool(sectors & set(meta.sectors)) or bool(tension.rome_codes_in(region) & set(meta.rome_codes))


def compute(db: Session, q: IndicatorQuery, tension: TensionList) -> list[dict[str, Any]]:
    # facts: (metric, month, offer_id, region, weight)
    facts: list[tuple[str, Month, int, str | None, int]] = []

    def paris_month(at: datetime) -> Month:
        return Month.of(at.astimezone(PARIS).date())

    facts += [("prescriptions", paris_month(at), oid, reg, 1) for at, oid, reg in repo.prescriptions_created(db, q)]
    changes = {Status.ACCEPTED.value: "accepted", Status.REFUSED.value: "refused", Status.EXPIRED.value: "expired"}
    facts += [(changes[to], paris_month(at), oid, reg, 1) for at, to, oid, reg in repo.transitions(db, q, changes)]
    entry_facts = [(Month.of(d), oid, reg) for d, oid, reg in repo.entries(db, q)]
    facts += [("entries", m, oid, reg, 1) for m, oid, reg in entry_facts]
    sessions = []
    for start, oid, reg, capacity, stated, withdrawn_at in repo.sessions_starting(db, q):
        if withdrawn_at is not None and withdrawn_at.astimezone(PARIS).date() < start:
            continue  # withdrawn before it started: it never offered its places
        places = capacity if capacity is not None else stated
        if places:
            sessions.append((Month.of(start), oid, reg, places))

    meta = repo.offer_meta(db, {oid for _, _, oid, _, _ in facts} | {oid for _, oid, _, _ in sessions})
    facts += [("places_open", m, oid, reg, places) for m, oid, reg, places in sessions if _admits(meta[oid], q.public)]
    facts += [("entries_in_tension_sectors", m, oid, reg, 1) for m, oid, reg in entry_facts
              if _in_tension(tension, reg, meta[oid])]
    return _rows(q, facts, meta)


def _groups_of(q: IndicatorQuery, meta: OfferMeta) -> tuple[str | None, ...]:
    if q.group_by is GroupBy.funder:
        return meta.funders or (None,)
    if q.group_by is GroupBy.sector:
        return meta.sectors or (None,)
    return (None,)


def _rows(q: IndicatorQuery, facts: list, meta: dict[int, OfferMeta]) -> list[dict[str, Any]]:
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
