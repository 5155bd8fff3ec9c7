"""Small closed code lists of the catalogue: kinds of course, modality, status, days, precision."""

from __future__ import annotations

from enum import auto

from app.reference.base import RefEnum


class Kind(RefEnum):
    ALPHA = auto()
    FLE_GENERAL = auto()
    FLE_PRO = auto()
    CIR = auto()
    ASL = auto()
    CERTIFICATION = auto()


class Modality(RefEnum):
    IN_PERSON = auto()
    REMOTE = auto()
    HYBRID = auto()


class SessionStatus(RefEnum):
    OPEN = auto()
    FULL = auto()
    SUSPENDED = auto()
    CLOSED = auto()
    CANCELLED = auto()


class Day(RefEnum):
    MON = auto()
    TUE = auto()
    WED = auto()
    THU = auto()
    FRI = auto()
    SAT = auto()
    SUN = auto()


DAYS: list[Day] = list(Day)


class DatePrecision(RefEnum):
    DAY = auto()
    MONTH = auto()
    YEAR = auto()


class Transport(RefEnum):
    PUBLIC_TRANSPORT = auto()
    CAR = auto()
    BIKE = auto()
    WALK = auto()
