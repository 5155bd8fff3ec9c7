"""Which literacy profiles (none, partial, full schooling) a course takes."""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.imports.lheo.rules.kind import FORMACODE_ALPHA, PUBLIC_ANALPHABETE
from app.imports.lheo.rules.text import Needs, fold_joined
from app.reference.catalogue_codes import Kind
from app.reference.levels import Literacy

_LIT_NONE = Needs(re.compile(
    r"\b(?:non|jamais|pas) scolarises?\b|\bjamais ou (?:tres )?peu scolarises?\b|\bnon[- ](?:lecteurs?|scripteurs?)\b|\banalphabetes?\b|"
    r"\bne sach?(?:ant|ent) ni lire ni ecrire\b|(?<!post-)(?<!post )\balpha(?:betisation)?\b"),
    "scolaris", "lecteur", "scripteur", "analphabete", "ni lire", "alpha")
_LIT_PARTIAL = Needs(re.compile(
    r"\b(?:peu|faiblement|tres peu|partiellement) scolarises?\b|\bpost[- ]?alpha(?:betisation)?\b|"
    r"\bscolarisation (?:courte|partielle|limitee)\b"), "scolaris", "alpha")
_LIT_FULL = Needs(re.compile(
    r"(?<!non )(?<!peu )\bscolarises? (?:dans (?:son|leur|sa) (?:pays|langue)|dans (?:le|leur) pays d'origine|"
    r"en langue etrangere|au pays)\b|\blecteurs?[- /]scripteurs?\b|\bayant ete scolarises?\b|"
    r"\bmaitris(?:ant|e) l'ecrit dans (?:sa|leur) langue\b"), "scolaris", "scripteur", "maitris")


def literacy_accepted(*, formacodes: Sequence[str], public_codes: Sequence[str], texts: Sequence[str | None],
                      kind: Kind) -> list[Literacy]:
    """Which literacy profiles the course takes, from Formacode 15043 / public 81021 (→ none) and
    words: « non scolarisé », « non lecteur », « alpha(bétisation) » → none; « peu scolarisé »,
    « post-alpha » → partial; « scolarisé dans son pays », « lecteur-scripteur » → full.
    Nothing said → [] (unknown)."""
    text = fold_joined(*texts)
    out: list[Literacy] = []
    if FORMACODE_ALPHA in formacodes or PUBLIC_ANALPHABETE in public_codes or _LIT_NONE.search(text):
        out.append(Literacy.NONE)
    if _LIT_PARTIAL.search(text):
        out.append(Literacy.PARTIAL)
    if _LIT_FULL.search(text):
        out.append(Literacy.FULL)
    if kind is Kind.ALPHA and not out:
        out.append(Literacy.NONE)
    return [lit for lit in Literacy if lit in out]
