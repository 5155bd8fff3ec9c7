"""Live places (CONTRACT § Live places).

`places_available` is live: holds and entries move it. A write that *states* a figure replaces the
live count only when the figure differs from the one last stated for that session, so a nightly
re-import restating the same `nb-places` never undoes the day's holds."""

from __future__ import annotations

from datetime import datetime

from app.catalogue.models import TrainingSession


def apply_stated_places(row: TrainingSession, stated: int | None, now: datetime) -> bool:
    """Apply a stated figure; True when the live count changed. `None` states nothing."""
    if stated is None or stated == row.places_stated:
        return False
    row.places_stated = stated
    changed = row.places_available != stated
    row.places_available = stated
    row.places_updated_at = now
    return changed
