"""Dates, status and places.

Dates rule (CONTRACT § Matching): a session with a fixed start is excluded when its start lies
outside [available_from, available_from + start_within_days]; a rolling-entry session passes while
not ended. How imprecise and missing dates are read:
- a month-only start stands for any day of that month (the CONTRACT stores it as the 1st): it
  passes if any day of the month falls in the window — `met` when the whole month does, `partial`
  otherwise; a year-only start likewise with the year;
- a month-only end is the month's last day, a year-only end 31 December;
- "ended" = the latest possible end is before `available_from`; an ended session is excluded even
  when its start is unknown (its start is then necessarily before the window);
- a rolling-entry session that has not ended passes, also when it opens after the window (the
  CONTRACT: "pass while not ended"); that case is reported `partial` and ranks lower;
- an unknown start (and no known past end) passes as `unknown`.
Status rule: only `open` passes. Places rule: `places_available == 0` excludes; unknown passes.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from app.matching.codes import OPEN, UNKNOWN, first_day, last_day
from app.matching.reasons import Reason, fr_date, fr_month, plural
from app.reference.catalogue_codes import DatePrecision, SessionStatus

if TYPE_CHECKING:  # pragma: no cover
    from app.matching.candidate import Candidate
    from app.matching.context import MatchContext
    from app.matching.snapshot import Snapshot


# --- status ---------------------------------------------------------------------------------------

def status_mask(ctx: MatchContext, snap: Snapshot) -> np.ndarray:
    return snap.status != OPEN


def status_reason(ctx: MatchContext, c: Candidate) -> Reason:
    if c.status is SessionStatus.OPEN:
        return Reason("status", "met", "Session ouverte aux inscriptions")
    return Reason("status", "unmet", _STATUS_TEXT[c.status])


_STATUS_TEXT = {
    SessionStatus.FULL: "Session complète",
    SessionStatus.SUSPENDED: "Recrutement suspendu",
    SessionStatus.CLOSED: "Session terminée",
    SessionStatus.CANCELLED: "Session annulée",
}


# --- places ---------------------------------------------------------------------------------------

def places_mask(ctx: MatchContext, snap: Snapshot) -> np.ndarray:
    return snap.places == 0


def places_reason(ctx: MatchContext, c: Candidate) -> Reason:
    n = c.places_available
    if n is None:
        return Reason("places", "unknown", "Places disponibles inconnues")
    if n == 0:
        return Reason("places", "unmet", "Plus aucune place disponible")
    return Reason("places", "met", f"{n} {plural(n, 'place disponible', 'places disponibles')}")


# --- dates ----------------------------------------------------------------------------------------

def dates_mask(ctx: MatchContext, snap: Snapshot) -> np.ndarray:
    lo, hi = ctx.lo, ctx.hi
    ended = (snap.end_hi != UNKNOWN) & (snap.end_hi < lo)
    known_start = snap.start_lo != UNKNOWN
    fixed_outside = ~snap.rolling & known_start & ((snap.start_hi < lo) | (snap.start_lo > hi))
    return ended | fixed_outside


def _period(day: date, precision: DatePrecision) -> tuple[str, str] | None:
    """The month or year an imprecise date stands for, and the words saying only that is known;
    None for a date known to the day."""
    if precision is DatePrecision.MONTH:
        return fr_month(day), "mois seulement connu"
    if precision is DatePrecision.YEAR:
        return str(day.year), "année seulement connue"
    return None


def _start_text(c: Candidate) -> str:
    assert c.start_date is not None
    period = _period(c.start_date, c.start_precision)
    return f"en {period[0]} ({period[1]})" if period else f"le {fr_date(c.start_date)}"


def _end_text(c: Candidate) -> str:
    assert c.end_date is not None
    period = _period(c.end_date, c.end_precision)
    return f"fin {period[0]}" if period else f"le {fr_date(c.end_date)}"


def _until(c: Candidate) -> str:
    assert c.end_date is not None
    if c.end_precision is DatePrecision.DAY:
        return f"jusqu'au {fr_date(c.end_date)}"
    return f"jusqu'à {_end_text(c)}"


def dates_reason(ctx: MatchContext, c: Candidate) -> Reason:
    lo, hi = ctx.lo, ctx.hi
    start_lo = first_day(c.start_date, c.start_precision)
    start_hi = last_day(c.start_date, c.start_precision)
    end_hi = last_day(c.end_date, c.end_precision)
    window = f"entre le {fr_date(ctx.available_from)} et le {fr_date(ctx.window_end)}"
    if end_hi != UNKNOWN and end_hi < lo:
        what = "Entrée permanente, mais session terminée" if c.rolling_entry else "Session terminée"
        return Reason("dates", "unmet", f"{what} {_end_text(c)}, avant le {fr_date(ctx.available_from)}")
    if c.rolling_entry:
        if start_lo != UNKNOWN and start_lo > hi:
            return Reason("dates", "partial",
                          f"Entrée permanente, mais début {_start_text(c)}, après la période souhaitée ({window})")
        opening = f" à partir du {fr_date(date.fromordinal(start_lo))}" if start_lo != UNKNOWN and start_lo > lo else ""
        if end_hi == UNKNOWN:
            return Reason("dates", "unknown", f"Entrée permanente{opening} ; date de fin non précisée")
        return Reason("dates", "met", f"Entrée permanente{opening} {_until(c)}")
    if start_lo == UNKNOWN:
        return Reason("dates", "unknown", "Date de début inconnue")
    if start_hi < lo:
        return Reason("dates", "unmet", f"Début {_start_text(c)}, avant la période souhaitée ({window})")
    if start_lo > hi:
        return Reason("dates", "unmet", f"Début {_start_text(c)}, après la période souhaitée ({window})")
    if start_lo >= lo and start_hi <= hi:
        return Reason("dates", "met", f"Début {_start_text(c)}")
    return Reason("dates", "partial", f"Début {_start_text(c)}, en partie seulement dans la période souhaitée ({window})")
