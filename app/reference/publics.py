"""Publics: who may enter a course (`publics`) and who it is designed for (`audience`)."""

from __future__ import annotations

from collections.abc import Iterable

from app.reference.base import RefEnum


class Public(RefEnum):
    IMMIGRANT = ("immigrant", "Personne immigrée", "Étranger en situation régulière, primo-arrivant ou non.",
                 {"formacode_public": ["81022"]})
    CIR_SIGNATORY = ("cir_signatory", "Signataire du CIR", "A signé le contrat d'intégration républicaine (compte aussi comme personne immigrée).",
                     {"formacode_public": []})
    BPI = ("bpi", "Bénéficiaire de la protection internationale", "Réfugié ou protection subsidiaire (compte aussi comme personne immigrée).",
           {"formacode_public": ["81042"]})
    JOBSEEKER = ("jobseeker", "Demandeur d'emploi", "Inscrit à France Travail.", {"formacode_public": ["80006"]})
    RSA = ("rsa", "Allocataire du RSA", "Bénéficiaire du revenu de solidarité active.", {"formacode_public": []})
    UNDER_26 = ("under_26", "Jeune de moins de 26 ans", "Public des missions locales.", {"formacode_public": []})
    EMPLOYEE = ("employee", "Salarié", "En emploi.", {"formacode_public": []})
    WOMEN = ("women", "Femmes", "Action réservée ou destinée aux femmes.", {"formacode_public": []})
    ALL = ("all", "Tout public", "Ouvert à toutes et à tous.", {"formacode_public": ["83056"]})


# A CIR signatory or a BPI also counts as an immigrant (CONTRACT § Reference lists).
_IMPLIES: dict[Public, set[Public]] = {
    Public.CIR_SIGNATORY: {Public.IMMIGRANT},
    Public.BPI: {Public.IMMIGRANT},
}


def expand_publics(publics: Iterable[Public | str]) -> set[Public]:
    """The person's categories with the ones they imply."""
    out: set[Public] = set()
    for p in publics:
        p = Public(p)
        out.add(p)
        out |= _IMPLIES.get(p, set())
    return out


def public_from_formacode(code: str) -> Public | None:
    code = code.strip()
    for p in Public:
        if code in p.extra["formacode_public"]:
            return p
    return None
