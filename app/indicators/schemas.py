"""Indicator queries (months, filters, grouping) and the rows the endpoint answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from app.core.clock import PARIS
from app.reference.publics import Public


class GroupBy(StrEnum):
    month = "month"
    funder = "funder"
    sector = "sector"


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        y, m = text.split("-")
        return cls(int(y), int(m))

    @classmethod
    def of(cls, d: date) -> Month:
        return cls(d.year, d.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def index(self) -> int:
        return self.year * 12 + self.month - 1

    def plus(self, n: int) -> Month:
        y, m = divmod(self.index + n, 12)
        return Month(y, m + 1)

    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def start_utc(self) -> datetime:
        """Midnight in Paris on the 1st, as a UTC instant."""
        return datetime(self.year, self.month, 1, tzinfo=PARIS).astimezone(UTC)


@dataclass(frozen=True)
class IndicatorQuery:
    start: Month
    end: Month
    region: str | None = None
    departement: str | None = None
    public: Public | None = None
    group_by: GroupBy = GroupBy.month

    @property
    def months(self) -> list[Month]:
        return [self.start.plus(i) for i in range(self.end.index - self.start.index + 1)]


class IndicatorRow(BaseModel):
    period: str = Field(description="YYYY-MM")
    funder: str | None = Field(default=None, description="Avec group_by=funder (null : offre sans financeur connu)")
    sector: str | None = Field(default=None, description="Avec group_by=sector (null : offre sans secteur)")
    prescriptions: int
    prescriptions_cumulative: int
    accepted: int
    accepted_cumulative: int
    entries: int
    entries_cumulative: int
    refused: int
    refused_cumulative: int
    expired: int
    expired_cumulative: int
    places_open: int
    places_open_cumulative: int
    entries_in_tension_sectors: int
    entries_in_tension_sectors_cumulative: int


class IndicatorsOut(BaseModel):
    items: list[IndicatorRow]
    meta: dict
