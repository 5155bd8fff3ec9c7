"""LHÉO dates (with their precision) and modification timestamps."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import lru_cache

from app.core.clock import PARIS
from app.reference.catalogue_codes import DatePrecision


@dataclass(frozen=True)
class ParsedDate:
    value: date | None
    precision: DatePrecision = DatePrecision.DAY
    warning: str | None = None


_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_FR_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


def parse_lheo_date(raw: str | None, *, end: bool = False) -> ParsedDate:
    """`AAAAMMJJ` with LHÉO precision: 00000000 → unknown, 99999999 → open-ended (None),
    AAAAMM00 → month (1st for a start, last day for an end), AAAA0000 → year (1 Jan / 31 Dec).
    Also tolerates `YYYY-MM-DD` and `JJ/MM/AAAA`. Garbage → None with a warning."""
    return _parse_lheo_date((raw or "").strip(), end)


@lru_cache(maxsize=8192)  # a feed's sessions share a few hundred dates; ParsedDate is immutable
def _parse_lheo_date(s: str, end: bool) -> ParsedDate:
    if not s or s in {"00000000", "99999999"}:
        return ParsedDate(None)
    if m := _ISO_DATE.match(s):
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif m := _FR_DATE.match(s):
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif len(s) == 8 and s.isdigit():
        y, mo, d = int(s[:4]), int(s[4:6]), int(s[6:])
    else:
        return ParsedDate(None, warning=f"date illisible ignorée : « {s} »")
    try:
        if y == 0:
            return ParsedDate(None)
        if mo == 0:
            return ParsedDate(date(y, 12, 31) if end else date(y, 1, 1), DatePrecision.YEAR)
        if d == 0:
            last = calendar.monthrange(y, mo)[1]
            return ParsedDate(date(y, mo, last if end else 1), DatePrecision.MONTH)
        return ParsedDate(date(y, mo, d))
    except ValueError:
        return ParsedDate(None, warning=f"date invalide ignorée : « {s} »")


def parse_timestamp(raw: str | None) -> datetime | None:
    """2.3 `horodatage-*` (xs:dateTime, local Paris time when no offset) or 2.2 `datemaj`
    (AAAAMMJJ, midnight Paris) → aware UTC datetime; anything else → None."""
    return _parse_timestamp(raw or "")


@lru_cache(maxsize=1024)  # a formation, its actions and sessions usually carry the same stamp
def _parse_timestamp(raw: str) -> datetime | None:
    s = raw.strip()
    if not s:
        return None
    try:
        if len(s) == 8 and s.isdigit():
            if s[4:] == "0000" or s[6:] == "00":
                return None
            dt = datetime.combine(date(int(s[:4]), int(s[4:6]), int(s[6:])), time(0), PARIS)
        else:
            dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=PARIS)
    except ValueError:
        return None
    return dt.astimezone(UTC)


def latest(*stamps: datetime | None) -> datetime | None:
    known = [s for s in stamps if s is not None]
    return max(known) if known else None
