"""ROME and Formacode codes: which are well-formed, and the sectors they (and the texts) name."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from app.imports.lheo.rules.kind import FORMACODES_FLE_PRO
from app.imports.lheo.rules.text import Vocabulary, fold_joined
from app.reference.catalogue_codes import Kind
from app.reference.sectors import Sector, sectors_for_rome

_ROME = re.compile(r"^[A-N]\d{4}$")
_FORMACODE = re.compile(r"^\d{5}$")

_SECTOR_WORDS = Vocabulary({
    Sector.SERVICES_A_LA_PERSONNE: r"\bservices? (?:a|aux) (?:la )?personnes?\b|\baide a domicile\b|"
                                   r"\bauxiliaires? de vie\b|\bassistante?s? maternel",
    Sector.HOTELLERIE_RESTAURATION: r"\bhotellerie\b|\brestauration\b|\bcommis de cuisine\b|"
                                    r"\bcuisine\b|\bserveur|\bplonge",
    Sector.BTP: r"\bbtp\b|\bbatiment\b|\btravaux publics\b|\bchantiers?\b|\bmaconn",
    Sector.PROPRETE: r"\bproprete\b|\bnettoyage\b|\bagents? d'entretien\b",
    Sector.LOGISTIQUE: r"\blogistique\b|\bmagasinage\b|\bpreparat(?:eur|ion) de commandes?\b|\bcariste",
    Sector.AGRICULTURE: r"\bagricole\b|\bagriculture\b|\bmaraichage\b|\bespaces verts\b|\bviticulture\b",
    Sector.AGROALIMENTAIRE: r"\bagro-?alimentaire\b",
    Sector.INDUSTRIE: r"\bindustrie\b|\bindustriel|\bsoudure\b|\businage\b",
    Sector.SECURITE_PRIVEE: r"\bsecurite privee\b|\bagents? de securite\b|\bsurveillance\b",
    Sector.SANTE: r"\bsante\b|\baides?-soignant|\bhospitali|\bsoins\b",
    Sector.TRANSPORT: r"\btransports?\b|\bchauffeur|\bconduite de\b",
    Sector.COMMERCE: r"\bcommerce\b|\bvente\b|\bvendeu|\bcaisse\b|\bgrande distribution\b",
    Sector.NUMERIQUE: r"\bnumerique\b|\binformatique\b",
})


def valid_codes(codes: Iterable[str | None], kind: str) -> tuple[list[str], list[str]]:
    """Keep well-formed ROME (`kind='rome'`) or Formacode (`'formacode'`) codes, deduplicated."""
    rx = _ROME if kind == "rome" else _FORMACODE
    label = "code ROME" if kind == "rome" else "code Formacode"
    out: list[str] = []
    warnings: list[str] = []
    for code in codes:
        c = (code or "").strip().upper()
        if not c:
            continue
        if not rx.match(c):
            warnings.append(f"{label} invalide ignoré : « {c} »")
        elif c not in out:
            out.append(c)
    return out[:50], warnings


def _rome_sectors(code: str) -> frozenset[Sector]:
    try:
        return sectors_for_rome(code)
    except FileNotFoundError:  # reference table not shipped: no sector from ROME
        return frozenset()


def sectors(*, rome_codes: Sequence[str], title: str | None, objective: str | None, kind: Kind,
            formacodes: Sequence[str]) -> list[Sector]:
    """Sectors from the ROME codes (sector table), plus — for FLE à visée professionnelle only —
    sector words in the title/objective. A non-professional course with no sector gets
    `tous_secteurs` (general French); an fle_pro course with none stays [] (unknown)."""
    out: list[Sector] = []
    for code in rome_codes:
        for s in sorted(_rome_sectors(code), key=lambda s: s.value):
            if s not in out:
                out.append(s)
    if kind is Kind.FLE_PRO or FORMACODES_FLE_PRO & set(formacodes):
        text = fold_joined(title, objective)
        _SECTOR_WORDS.add_named(text, out)
    if not out and kind is not Kind.FLE_PRO:
        out.append(Sector.TOUS_SECTEURS)
    return out
