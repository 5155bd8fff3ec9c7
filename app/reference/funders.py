"""Who pays for a course, and the LHÉO `code-financeur` values each funder maps from.

LHÉO's dictionary changed between versions: 16 was "OPCA" and 17 "OPACIF" in 2.2; in 2.3 16 is
"OPCO", 17 "Transition Pro", and 18 (LADOM), 19 (Ministère de l'intérieur = BOP 104) and 20
(OFII) are new. In 2.2, BOP 104 hides behind 13 "État - Autre" with a programme text naming 104.
"""

from __future__ import annotations

import functools
import re
from enum import auto

from app.reference.base import RefEnum


# Each funder's `lheo_codes` (per LHÉO version) and `lheo_rule` are with its words, in data/lists.toml.
class Funder(RefEnum):
    BOP104 = auto()
    OFII = auto()
    FRANCE_TRAVAIL = auto()
    REGION = auto()
    DEPARTEMENT = auto()
    COMMUNE = auto()
    OPCO = auto()
    CPF = auto()
    EMPLOYER = auto()
    STATE_OTHER = auto()
    EU = auto()
    LEARNER = auto()
    OTHER = auto()


# "BOP 104", "programme 104", "P104" — not a bare 104 ("104 places").
_BOP104_TEXT = re.compile(r"\b(?:bop|programme|prog\.?|p)\s*-?\s*104\b", re.IGNORECASE)
_OFII_TEXT = re.compile(r"\bOFII\b|\bCIR\b|contrat d.int[ée]gration r[ée]publicaine", re.IGNORECASE)


def funder_from_lheo(code: str, version: str, programme: str | None = None) -> Funder | None:
    """Map one `code-financeur` to a funder, per LHÉO version ("2.2" or "2.3"); None when unknown."""
    code = code.strip().lstrip("0") or "0"
    version = "2.3" if version.startswith("2.3") else "2.2"
    if code == "13" and programme:
        if _BOP104_TEXT.search(programme):
            return Funder.BOP104
        if _OFII_TEXT.search(programme):
            return Funder.OFII
    return _by_lheo_code().get((version, code))


@functools.cache
def _by_lheo_code() -> dict[tuple[str, str], Funder]:
    """(version, code) → funder, the first funder listing the code (the order of `Funder`)."""
    out: dict[tuple[str, str], Funder] = {}
    for funder in Funder:
        for version, codes in funder.extra["lheo_codes"].items():
            for code in codes:
                out.setdefault((version, code), funder)
    return out
