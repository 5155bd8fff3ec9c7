"""Publics: who may enter (an explicit restriction in the texts) and who a course is designed for (audience)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.imports.lheo.rules.text import Needs, Vocabulary, fold
from app.reference.catalogue_codes import Kind
from app.reference.publics import Public, public_from_formacode


def audience(public_codes: Iterable[str], kind: Kind) -> list[Public]:
    """`code-public-vise` (and the funders' own public codes) → audience, for ranking only.
    A CIR course is designed for CIR signatories."""
    out: list[Public] = []
    for code in public_codes:
        p = public_from_formacode(code)
        if p is not None and p not in out:
            out.append(p)
    if kind is Kind.CIR and Public.CIR_SIGNATORY not in out:
        out.append(Public.CIR_SIGNATORY)
    return out


_RESTRICT = Needs(re.compile(
    r"(?<!non )(?<!pas )\b(?:reserve(?:e|s|es)?|uniquement|exclusivement|seulement|strictement|"
    r"limite(?:e|s|es)?|ouvert(?:e|s|es)? (?:uniquement|seulement|exclusivement))\b(?: (?:a|aux|au|pour))?"),
    "reserve", "uniquement", "exclusivement", "seulement", "strictement", "limite")
_WINDOW_END = re.compile(r"[.;!?\n]|\bet (?:aux?|les) (?:autres|tous)\b")
_PUBLIC_WORDS = Vocabulary({
    Public.BPI: r"\bprotection internationale\b|\bbpi\b|\brefugies?\b|\bprotection subsidiaire\b",
    Public.CIR_SIGNATORY: r"\bsignataires? du (?:cir|contrat d'integration)|\bcontrat d'integration "
                          r"republicaine\b|\bcir\b|\bprescrits? par l'ofii\b|\borientes? par l'ofii\b",
    Public.JOBSEEKER: r"\bdemandeu(?:r|rs|se|ses) d'emploi\b|\binscrits? (?:a|chez) france travail\b",
    Public.RSA: r"\b(?:allocataires?|beneficiaires?) du rsa\b|\brsa\b",
    Public.UNDER_26: r"\bmoins de 26 ans\b|\b1[68][- ]2[56] ans\b|\bjeunes\b",
    Public.EMPLOYEE: r"\bsalarie(?:e|s|es)?\b",
    Public.WOMEN: r"\bfemmes\b|\bmeres\b",
    Public.IMMIGRANT: r"\bprimo-?arrivant|\betrange(?:r|rs|re|res)\b|\bimmigre|\bmigrants?\b|\bressortissants? "
                      r"(?:etrangers|de pays tiers)\b",
})


def publics_from_text(*texts: str | None) -> list[Public]:
    """Who may enter: only from an explicit restriction (« réservé aux … », « uniquement … »,
    « exclusivement … »), reading the public named in the same sentence. Nothing → [] (everyone)."""
    out: list[Public] = []
    for text in texts:
        t = fold(text)
        for m in _RESTRICT.finditer(t):
            rest = t[m.end():m.end() + 200]
            end = _WINDOW_END.search(rest)
            window = rest[:end.start()] if end else rest
            _PUBLIC_WORDS.add_named(window, out)
    return out
