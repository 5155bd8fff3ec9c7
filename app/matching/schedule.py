"""Schedule: every known class slot must fit inside the person's free time.

Rule (CONTRACT § Matching): excluded when a schedule slot lies outside the person's availability.
The person's slots are first merged per day where they overlap or touch (free 09:00–12:00 and
12:00–14:00 = free 09:00–14:00), then each class slot must fit inside one merged interval. An
unknown schedule (empty list) passes as `unknown`; no `availability` = free at any time.
A partial fit is `unmet`, naming the clashing slots in French.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from app.matching.codes import DAY_INDEX, hhmm_minutes
from app.matching.reasons import Reason, fr_join, fr_slot, plural
from app.reference.catalogue_codes import DAYS

if TYPE_CHECKING:  # pragma: no cover
    from app.matching.candidate import Candidate, TimeSlot
    from app.matching.context import MatchContext
    from app.matching.snapshot import Snapshot


def slot_key(slots: Iterable[Any]) -> tuple[tuple[int, int, int], ...]:
    """Canonical (day index, start min, end min) triples, sorted and deduplicated."""
    return tuple(sorted({(DAY_INDEX[s.day], hhmm_minutes(s.start), hhmm_minutes(s.end)) for s in slots}))


def merge_availability(slots: Iterable[Any]) -> tuple[tuple[int, int, int], ...]:
    """Merge overlapping or touching availability slots of the same day."""
    merged: list[list[int]] = []
    for day, start, end in slot_key(slots):
        if merged and merged[-1][0] == day and start <= merged[-1][2]:
            merged[-1][2] = max(merged[-1][2], end)
        else:
            merged.append([day, start, end])
    return tuple((d, s, e) for d, s, e in merged)


def _fits(slot: tuple[int, int, int], availability: tuple[tuple[int, int, int], ...]) -> bool:
    day, start, end = slot
    return any(d == day and a <= start and end <= b for d, a, b in availability)


def schedule_mask(ctx: MatchContext, snap: Snapshot) -> np.ndarray:
    """True where a known class slot lies outside the person's availability."""
    if ctx.availability is None:
        return np.zeros(snap.size, dtype=bool)
    table = snap.slots
    ok = np.zeros(table.day.shape, dtype=bool)
    for day, a, b in ctx.availability:
        ok |= (table.day == day) & (table.start >= a) & (table.end <= b)
    # One flag per interned schedule, plus a trailing False that rows without a schedule (-1) hit.
    bad = np.zeros(table.n_schedules + 1, dtype=bool)
    bad[table.schedule[~ok]] = True
    return bad[snap.sched_id]


def _describe(slots: Iterable[TimeSlot]) -> list[str]:
    return [fr_slot(DAYS[d], f"{s // 60:02d}:{s % 60:02d}", f"{e // 60:02d}:{e % 60:02d}")
            for d, s, e in slot_key(slots)]


def schedule_reason(ctx: MatchContext, c: Candidate) -> Reason:
    if not c.schedule:
        return Reason("schedule", "unknown", "Horaires inconnus")
    if ctx.availability is None:
        return Reason("schedule", "met", f"Horaires : {fr_join(_describe(c.schedule))} "
                                         "(disponibilités non précisées)")
    clashing = [s for s in c.schedule
                if not _fits((DAY_INDEX[s.day], hhmm_minutes(s.start), hhmm_minutes(s.end)), ctx.availability)]
    if clashing:
        label = plural(len(_describe(clashing)), "Créneau", "Créneaux")
        return Reason("schedule", "unmet", f"{label} hors des disponibilités : {fr_join(_describe(clashing))}")
    return Reason("schedule", "met", f"Horaires compatibles : {fr_join(_describe(c.schedule))}")
