"""Time as the service reckons it: instants in UTC, days in Europe/Paris (where the courses are)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def utcnow() -> datetime:
    return datetime.now(UTC)


def paris_today() -> date:
    """Today in metropolitan France: a session "starts today" by the adviser's calendar, not UTC's."""
    return datetime.now(PARIS).date()


def paris_day(at: datetime) -> date:
    """The Paris calendar day of an aware instant."""
    return at.astimezone(PARIS).date()
