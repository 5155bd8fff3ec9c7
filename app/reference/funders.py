"""Who pays for a course, and the LHÉO `code-financeur` values each funder maps from.

LHÉO's dictionary changed between versions: 16 was "OPCA" and 17 "OPACIF" in 2.2; in 2.3 16 is
"OPCO", 17 "Transition Pro", and 18 (LADOM), 19 (Ministère de l'intérieur = BOP 104) and 20
(OFII) are new. In 2.2, BOP 104 hides behind 13 "État - Autre" with a programme text naming 104.
"""

from __future__ import annotations

import functools
import re

from app.reference.base import RefEnum


def _codes(v22: list[str], v23: list[str], rule: str = "") -> dict:
    return {"lheo_codes": {"2.2": v22, "2.3": v23}, "lheo_rule": rule}


class Funder(RefEnum):
    BOP104 = ("bop104", "État — Ministère de l'intérieur (BOP 104)",
              "Programme 104 « Intégration et accès à la nationalité » : associations financées par les préfectures.",
              _codes([], ["19"], "En LHÉO 2.2 : code 13 (État - Autre) quand le texte du programme cite le 104."))
    OFII = ("ofii", "OFII", "Office français de l'immigration et de l'intégration (formations du CIR).",
            _codes([], ["20"], "En LHÉO 2.2 : code 13 quand le texte du programme cite l'OFII ou le CIR."))
    FRANCE_TRAVAIL = ("france_travail", "France Travail", "Ex-Pôle emploi (AIF, AFC, POE…).", _codes(["4"], ["4"]))
    REGION = ("region", "Conseil régional", "Programme régional de formation (PRF, PRIC…).", _codes(["2"], ["2"]))
    DEPARTEMENT = ("departement", "Conseil départemental", "Souvent pour les bénéficiaires du RSA.", _codes(["8"], ["8"]))
    COMMUNE = ("commune", "Commune ou autre collectivité", "Commune, intercommunalité, métropole.", _codes(["9", "15"], ["9", "15"]))
    OPCO = ("opco", "OPCO", "Opérateur de compétences d'une branche (salariés, POEC).",
            _codes(["16", "17"], ["16"], "16 était « OPCA » et 17 « OPACIF » en 2.2."))
    CPF = ("cpf", "CPF", "Compte personnel de formation (dont CPF de transition, Transition Pro).",
           _codes([], ["17"], "17 = « Transition Pro » en 2.3."))
    EMPLOYER = ("employer", "Employeur", "Entreprise ou employeur.", _codes(["5"], ["5"]))
    STATE_OTHER = ("state_other", "État — autre", "Autres ministères et agences de l'État.",
                   _codes(["6", "11", "12", "13"], ["6", "11", "12", "13", "18"], "13 sans mention du programme 104 ni de l'OFII."))
    EU = ("eu", "Union européenne", "Fonds social européen et autres fonds européens.", _codes(["3", "14"], ["3", "14"]))
    LEARNER = ("learner", "Stagiaire", "Le stagiaire finance lui-même sa formation.", _codes(["10"], ["10"]))
    OTHER = ("other", "Autre", "Autre financeur (dont Agefiph).", _codes(["0", "1", "7"], ["0", "1", "7"]))


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
