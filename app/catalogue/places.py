"""Live places (CONTRACT § Live places).

`places_available` is live: holds and entries move it. A write that *states* a figure replaces the
live count only when the figure differs from the one last stated for that session, so a nightly
re-import restating the same `nb-places` never undoes the day's holds."""

from __future__ import annotations

from datetime import datetime

from app.catalogue.models import TrainingSession


def stated_places(last_stated: int | None, live: int | None, stated: int | None) -> tuple[int | None, int | None, bool]:
    """`(last_stated, live, replaced)` after a write stating `stated` (None states nothing)."""
    if stated is None or stated == last_stated:
        return last_stated, live, False
    return stated, stated, True


def apply_stated_places(row: TrainingSession, stated: int | None, now: datetime) -> bool:
    """Apply a stated figure to a session row; True when the live count was replaced."""
    row.places_stated, row.places_available, replaced = stated_places(row.places_stated, row.places_available, stated)
    if replaced:
        row.places_updated_at = now
    return replaced
