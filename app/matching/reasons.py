"""`Reason` (one line of "why" per criterion) and the French formatting every detail uses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from app.reference.catalogue_codes import Day
from app.reference.levels import Level

Status = Literal["met", "partial", "unknown", "unmet"]
"""`met`: a known fact agrees; `partial`: agrees in part (for a hard rule: passes, with a caveat);
`unknown`: a fact is missing, which never excludes; `unmet`: a known fact disagrees (for a hard rule
this excludes the session)."""


@dataclass(frozen=True, slots=True)
class Reason:
    criterion: str
    status: Status
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"criterion": self.criterion, "status": self.status, "detail": self.detail}


MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre")


def fr_number(value: float, decimals: int = 1) -> str:
    """6.12 → "6,1"; 1234.5 → "1 234,5" (decimal comma, space between thousands)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",")


def fr_money(value: float) -> str:
    """120 → "120 €", 12.5 → "12,50 €"."""
    if float(value).is_integer():
        return f"{fr_number(value, 0)} €"
    return f"{fr_number(value, 2)} €"


def fr_date(d: date) -> str:
    """2026-03-01 → "1er mars 2026"."""
    day = "1er" if d.day == 1 else str(d.day)
    return f"{day} {MONTHS[d.month - 1]} {d.year}"


def fr_month(d: date) -> str:
    return f"{MONTHS[d.month - 1]} {d.year}"


def fr_slot(day: Day, start: str, end: str) -> str:
    """("mon", "14:00", "17:00") → "lundi 14:00–17:00"."""
    return f"{day.label} {start}–{end}"


def fr_join(items: Sequence[str], last: str = "et") -> str:
    """["a", "b", "c"] → "a, b et c"."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def fr_level_range(lo: Level | None, hi: Level | None) -> str:
    """The entry range as an adviser reads it: "A1.1–A2", "A1", "à partir de A1.1", "jusqu'à A2"."""
    if lo is not None and hi is not None:
        return lo.value if lo is hi else f"{lo.value}–{hi.value}"
    if lo is not None:
        return f"à partir de {lo.value}"
    if hi is not None:
        return f"jusqu'à {hi.value}"
    return "non précisée"


def plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many
