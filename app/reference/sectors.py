"""Professional sectors an FLE course can target, each with the ROME v4 codes it covers.

The sector → ROME table is `data/sectors_rome.csv` (built from ROME v4.60 by
`seed/build_reference.py`; see README § Reference data).
"""

from __future__ import annotations

import csv
from enum import auto
from functools import cache
from importlib import resources

from app.reference.base import RefEnum


class Sector(RefEnum):
    SERVICES_A_LA_PERSONNE = auto()
    HOTELLERIE_RESTAURATION = auto()
    BTP = auto()
    PROPRETE = auto()
    LOGISTIQUE = auto()
    AGRICULTURE = auto()
    INDUSTRIE = auto()
    AGROALIMENTAIRE = auto()
    SECURITE_PRIVEE = auto()
    SANTE = auto()
    TRANSPORT = auto()
    COMMERCE = auto()
    NUMERIQUE = auto()
    TOUS_SECTEURS = auto()


@cache
def sector_rome_codes() -> dict[Sector, tuple[str, ...]]:
    """ROME codes per sector, from the shipped table."""
    out: dict[Sector, list[str]] = {s: [] for s in Sector}
    with resources.files("app.reference").joinpath("data/sectors_rome.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out[Sector(row["sector"])].append(row["rome_code"])
    return {s: tuple(sorted(codes)) for s, codes in out.items()}


@cache
def _rome_index() -> dict[str, frozenset[Sector]]:
    idx: dict[str, set[Sector]] = {}
    for sector, codes in sector_rome_codes().items():
        for code in codes:
            idx.setdefault(code, set()).add(sector)
    return {k: frozenset(v) for k, v in idx.items()}


def sectors_for_rome(code: str) -> frozenset[Sector]:
    """Sectors covering one ROME code (e.g. K1302 → services à la personne)."""
    return _rome_index().get(code.strip().upper(), frozenset())
