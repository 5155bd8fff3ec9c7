"""What a feed mapper yields, whatever the format: the staging step reads only these.

`ParsedOffer` (one offer mapped), `Skipped` (left out on purpose), `Rejected` (invalid data),
`Unchanged` (the caller already holds the same fragment); `Staged` is a `ParsedOffer` with its
places resolved and its column values prepared, plus the `SourceRow` kept beside it. Plain data:
they cross process boundaries (pickled) between mapping workers and the importer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from app.catalogue.rows import PreparedOffer
from app.catalogue.schemas import OfferIn


@dataclass(slots=True)
class ParsedOffer:
    """One FLE action, mapped."""

    external_id: str  # action/@numero
    formation_id: str | None  # formation/@numero
    offer: OfferIn
    raw_source: str
    warnings: list[str] = field(default_factory=list)
    source_updated_at: datetime | None = None
    version: str = "2.3"
    programmes: list[str] = field(default_factory=list)  # funders' programme texts, as written
    source_hash: str = ""  # see `source_digest`

    @property
    def ref(self) -> str:
        return self.external_id


@dataclass(slots=True, frozen=True)
class Skipped:
    """An action left out on purpose (not FLE, or a summary-only document)."""

    ref: str
    reason: str


@dataclass(slots=True, frozen=True)
class Rejected:
    """An action whose data is invalid: it is not imported; the rest of the feed is."""

    ref: str
    errors: list[str]


@dataclass(slots=True, frozen=True)
class Unchanged:
    """An action the caller already holds from the same fragment (`known` said so): not mapped again."""

    ref: str
    source_hash: str



@dataclass(slots=True)  # not frozen: unpickled by C code, not by a generated __setstate__
class SourceRow:
    """What goes to `offer_source` for one offer."""

    format: str
    raw: str
    source_hash: str
    until: date | None  # the day the same fragment may map differently (a session ends)

    def row(self, offer_id: int, content_hash: str) -> dict[str, Any]:
        return {"offer_id": offer_id, "format": self.format, "raw": self.raw, "source_hash": self.source_hash,
                "content_hash": content_hash, "source_hash_until": self.until}


@dataclass(slots=True)
class Staged:
    """One FLE action mapped, its places resolved, as column values (plain data)."""

    ref: str
    version: str
    offer: PreparedOffer
    source: SourceRow
    warnings: list[str]


StagedItem = Staged | Skipped | Rejected | Unchanged
