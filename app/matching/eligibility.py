"""Eligibility: literacy accepted and publics allowed to enter.

Literacy rule: excluded when the person's literacy is known, the offer's accepted list is known
(non-empty) and does not contain it. Publics rule: excluded when the offer is reserved to some
publics (its list is non-empty and does not contain `all`) and the person's stated publics —
expanded, a CIR signatory or a BPI also counting as an immigrant — have none in common. A person
whose publics are not stated passes as `unknown` ("à vérifier"); `publics: []` is a statement.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from app.matching.codes import LITERACY_BIT
from app.matching.reasons import Reason, fr_join
from app.reference.levels import Literacy
from app.reference.publics import Public

if TYPE_CHECKING:  # pragma: no cover
    from app.matching.candidate import Candidate
    from app.matching.context import MatchContext
    from app.matching.snapshot import Snapshot

LITERACY_PHRASE: dict[Literacy, str] = {
    Literacy.NONE: "personnes non scolarisées (alphabétisation)",
    Literacy.PARTIAL: "personnes peu scolarisées (post-alphabétisation)",
    Literacy.FULL: "personnes scolarisées (FLE)",
}

PUBLIC_PHRASE: dict[Public, str] = {
    Public.IMMIGRANT: "personnes immigrées",
    Public.CIR_SIGNATORY: "signataires du CIR",
    Public.BPI: "bénéficiaires de la protection internationale",
    Public.JOBSEEKER: "demandeurs d'emploi",
    Public.RSA: "allocataires du RSA",
    Public.UNDER_26: "jeunes de moins de 26 ans",
    Public.EMPLOYEE: "salariés",
    Public.WOMEN: "femmes",
    Public.ALL: "tout public",
}

_PUBLIC_ORDER = {p: i for i, p in enumerate(Public)}
_LITERACY_ORDER = {lit: i for i, lit in enumerate(Literacy)}


def publics_phrase(publics: Iterable[Public], last: str = "ou") -> str:
    return fr_join([PUBLIC_PHRASE[p] for p in sorted(set(publics), key=_PUBLIC_ORDER.__getitem__)], last)


def _literacy_phrase(values: Iterable[Literacy]) -> str:
    return fr_join([LITERACY_PHRASE[v] for v in sorted(set(values), key=_LITERACY_ORDER.__getitem__)], "ou")


def literacy_mask(ctx: MatchContext, snap: Snapshot) -> np.ndarray:
    if ctx.literacy is None:
        return np.zeros(snap.size, dtype=bool)
    return (snap.literacy != 0) & ((snap.literacy & LITERACY_BIT[ctx.literacy]) == 0)


def literacy_reason(ctx: MatchContext, c: Candidate) -> Reason:
    accepted = c.literacy_accepted
    if not accepted:
        return Reason("literacy", "unknown", "Scolarisation attendue non précisée par l'offre")
    if ctx.literacy is None:
        return Reason("literacy", "unknown",
                      f"Scolarisation de la personne non indiquée ; formation pour les {_literacy_phrase(accepted)}")
    if ctx.literacy in accepted:
        return Reason("literacy", "met", f"Accueille les {LITERACY_PHRASE[ctx.literacy]}")
    return Reason("literacy", "unmet", f"Réservée aux {_literacy_phrase(accepted)}")


def publics_mask(ctx: MatchContext, snap: Snapshot) -> np.ndarray:
    if ctx.publics is None:
        return np.zeros(snap.size, dtype=bool)
    return (snap.publics != 0) & ((snap.publics & ctx.publics_bits) == 0)


def publics_reason(ctx: MatchContext, c: Candidate) -> Reason:
    allowed = c.publics
    if not allowed or Public.ALL in allowed:
        return Reason("publics", "met", "Ouverte à tout public")
    reserved = f"Réservée aux {publics_phrase(allowed)}"
    if ctx.publics is None:
        return Reason("publics", "unknown", f"{reserved} (à vérifier)")
    common = allowed & ctx.publics
    if common:
        return Reason("publics", "met", f"{reserved} : la personne en fait partie")
    return Reason("publics", "unmet", reserved)
