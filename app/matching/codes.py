"""Integer codes and bit masks shared by the vectorized rules and their scalar twins.

Every rule compares the same numbers whether it runs over the columnar snapshot or over one
`Candidate`, so both paths derive their codes from the tables below and cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from app.reference.catalogue_codes import DAYS, DatePrecision, Day, SessionStatus
from app.reference.levels import Literacy
from app.reference.publics import Public
from app.reference.sectors import Sector

UNKNOWN = -1
"""Sentinel of the integer columns (ranks, ordinals, places, schedule ids) for an unknown fact."""

STATUS_CODE: dict[SessionStatus, int] = {s: i for i, s in enumerate(SessionStatus)}
OPEN = STATUS_CODE[SessionStatus.OPEN]

DAY_INDEX: dict[Day, int] = {d: i for i, d in enumerate(DAYS)}

LITERACY_BIT: dict[Literacy, int] = {lit: 1 << i for i, lit in enumerate(Literacy)}

# `Public.ALL` has no bit: an offer whose publics are empty or contain `all` gets mask 0 = everyone.
PUBLIC_BIT: dict[Public, int] = {p: 1 << i for i, p in enumerate(p for p in Public if p is not Public.ALL)}

SECTOR_BIT: dict[Sector, int] = {s: 1 << i for i, s in enumerate(Sector)}


def literacy_mask(values: Iterable[Literacy]) -> int:
    out = 0
    for v in values:
        out |= LITERACY_BIT[v]
    return out


def publics_mask(values: Iterable[Public]) -> int:
    """Bits of these publics; 0 when empty or when `all` is among them (= everyone)."""
    out = 0
    for v in values:
        if v is Public.ALL:
            return 0
        out |= PUBLIC_BIT[v]
    return out


def audience_mask(values: Iterable[Public]) -> int:
    """Bits of the publics an offer is designed for (`all` carries no bit: it favours nobody)."""
    return sum(PUBLIC_BIT[v] for v in set(values) if v is not Public.ALL)


def sector_mask(values: Iterable[Sector]) -> int:
    out = 0
    for v in values:
        out |= SECTOR_BIT[v]
    return out


def hhmm_minutes(value: str) -> int:
    h, m = value.split(":")
    return int(h) * 60 + int(m)


def minutes_hhmm(value: int) -> str:
    return f"{value // 60:02d}:{value % 60:02d}"


def _last_day_of_month(d: date) -> date:
    if d.month == 12:
        return date(d.year, 12, 31)
    return date(d.year, d.month + 1, 1) - timedelta(days=1)


def first_day(d: date | None, precision: DatePrecision) -> int:
    """Earliest day a date of that precision may stand for, as an ordinal (UNKNOWN when None)."""
    if d is None:
        return UNKNOWN
    if precision is DatePrecision.MONTH:
        return date(d.year, d.month, 1).toordinal()
    if precision is DatePrecision.YEAR:
        return date(d.year, 1, 1).toordinal()
    return d.toordinal()


def last_day(d: date | None, precision: DatePrecision) -> int:
    """Latest day a date of that precision may stand for (a month-only end is the month's last day)."""
    if d is None:
        return UNKNOWN
    if precision is DatePrecision.MONTH:
        return _last_day_of_month(d).toordinal()
    if precision is DatePrecision.YEAR:
        return date(d.year, 12, 31).toordinal()
    return d.toordinal()
