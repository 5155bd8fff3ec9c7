"""CEFR levels: the entry range stated in prerequisites, the target level, the certification named."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.imports.lheo.rules.text import Needs, fold, fold_joined
from app.reference.levels import LEVELS, Level

_LEVEL_TOKENS = ("a0", "a1", "a2", "b1", "b2", "c1", "c2")
_L = r"(?<![a-z0-9])(a1[.,]1|a0|a1|a2|b1|b2|c1|c2)(?![.,]?\d|[a-z])"
_NIV = r"(?:le |du |au )?(?:niveau |niv\.? )?(?:cecrl |cecr )?(?:: ?)?"
_RANGE = Needs(re.compile(rf"{_L}\s*(?:a|au|-|/|et|jusqu'au?|vers)\s*{_NIV}{_L}"), *_LEVEL_TOKENS)
_FROM_TO = Needs(re.compile(rf"\b(?:de|du|depuis)\s*{_NIV}{_L}\s*(?:a|au|vers|jusqu'au?)\s*{_NIV}{_L}"),
                 *_LEVEL_TOKENS)
_INFRA = Needs(re.compile(
    r"\binfra[- ]?a1(?![.,]?\d)|\bgrands? debutants?\b|\bvrais? debutants?\b|\bdebutants? (?:complets?|totaux|total)\b|"
    r"\b(?<!faux )(?<!faux-)debutants?\b|\baucune (?:connaissance|notion) (?:du|de la langue|en) francais|"
    r"(?<![a-z0-9])a0(?![.,]?\d)|\bne (?:parle|parlant) pas (?:du tout )?(?:le )?francais"),
    "a1", "debutant", "aucune", "a0", "pas")
_FAUX_DEBUTANT = Needs(re.compile(r"\bfaux[- ]debutants?\b"), "debutant")
_MAX = Needs(re.compile(
    rf"{_L}\s*(?:maxi(?:mum)?|max\.?)(?![a-z])|\b(?:jusqu'au?|maxi(?:mum)?|au plus|au maximum)\s*{_NIV}{_L}"),
    *_LEVEL_TOKENS)
_BELOW = Needs(re.compile(
    rf"\b(?:inferieurs? (?:a|au)|en dessous d[ue]|en-dessous d[ue]|moins d[ue]|n'ayant pas (?:atteint )?|"
    rf"ne pas avoir (?:atteint )?|pas encore (?:atteint )?|non titulaires? d[ue]s? (?:delf )?)\s*{_NIV}{_L}"),
    *_LEVEL_TOKENS)
_MIN = Needs(re.compile(
    rf"{_L}\s*(?:\(?(?:oral|ecrit)\)?\s*)?(?:acquis|minimum|mini|min\.?|requis|exige|valide|atteint|"
    rf"ou plus|ou superieur|et plus|et \+|\+)(?![a-z])|"
    rf"\b(?:a partir d[ue]|au moins|au minimum|minimum|niveau minimum|niveau requis|prerequis|pre-requis|"
    rf"avoir(?: acquis)?|maitriser|titulaires? d[ue]s? (?:delf|dilf))\s*:?\s*{_NIV}{_L}"), *_LEVEL_TOKENS)
_BARE = Needs(re.compile(rf"\bniveau\s*(?:cecrl\s*|cecr\s*)?:?\s*{_L}"), *_LEVEL_TOKENS)
_NON_LECTEUR = Needs(re.compile(r"\bnon[- ](?:lecteurs?|scripteurs?)\b|\bne sach?(?:ant|ent) ni lire ni ecrire\b"),
                     "lecteur", "scripteur", "ni lire")


def level_code(token: str) -> Level:
    """'a1.1' / 'A1,1' → A1.1, 'b2' → B2."""
    t = token.upper().replace(",", ".")
    return Level(t)


def _below(level: Level) -> Level:
    return LEVELS[max(level.rank - 1, 0)]


@dataclass(frozen=True)
class LevelBounds:
    min: Level | None = None
    max: Level | None = None

    def merged(self, other: LevelBounds | None) -> LevelBounds:
        """Fill what this one does not say from `other` (when consistent)."""
        if other is None:
            return self
        lo = self.min or other.min
        hi = self.max or other.max
        if lo is not None and hi is not None and lo.rank > hi.rank:
            return self
        return LevelBounds(lo, hi)

    @property
    def empty(self) -> bool:
        return self.min is None and self.max is None


def entry_level_from_text(text: str | None) -> LevelBounds | None:
    """CEFR entry range stated in a prerequisite text, or None when nothing is said.

    « de A1 à A2 » / « A1-A2 » → A1..A2; « niveau A1 acquis », « à partir de A2 », « A2 minimum »
    → min; « A2 maximum », « jusqu'à A2 » → max; « inférieur à B1 », « n'ayant pas le niveau B1 »
    → max = the level below; « infra A1 », « grand débutant », « débutant », « A0 » → A0..A1.1;
    « faux débutant » → A1.1..A1; a bare « niveau A2 » → min A2; « non lecteur » → min A0.
    """
    t = fold(text)
    if not t:
        return None
    lo: Level | None = None
    hi: Level | None = None
    # Six patterns need a level token: look for one once rather than in each Needs prefilter.
    leveled = any(tok in t for tok in _LEVEL_TOKENS)
    m = (_FROM_TO.rx.search(t) or _RANGE.rx.search(t)) if leveled else None
    if m:
        a, b = level_code(m.group(1)), level_code(m.group(2))
        if a.rank <= b.rank:
            lo, hi = a, b
    if lo is None and hi is None:
        if _FAUX_DEBUTANT.search(t):
            lo, hi = Level.A1_1, Level.A1
        elif _INFRA.search(t):
            lo, hi = Level.A0, Level.A1_1
    if lo is None and leveled and (m := _MIN.rx.search(t)):
        lo = level_code(next(g for g in m.groups() if g))
    if hi is None and leveled:
        if m := _MAX.rx.search(t):
            hi = level_code(next(g for g in m.groups() if g))
        elif m := _BELOW.rx.search(t):
            hi = _below(level_code(m.group(1)))
    if lo is None and hi is None and leveled and (m := _BARE.rx.search(t)):
        lo = level_code(m.group(1))
    if lo is None and hi is None and _NON_LECTEUR.search(t):
        lo = Level.A0
    if lo is not None and hi is not None and lo.rank > hi.rank:
        hi = None
    if lo is None and hi is None:
        return None
    return LevelBounds(lo, hi)


def entry_level(conditions: str | None, info_public: str | None, title: str | None = None,
                objective: str | None = None) -> tuple[LevelBounds, list[str]]:
    """Entry range: `conditions-specifiques` first, then `info-public-vise` (fills what is missing),
    then a progression « de A1 à A2 » in the title/objective (min only). Unknown → warning."""
    bounds = entry_level_from_text(conditions) or LevelBounds()
    bounds = bounds.merged(entry_level_from_text(info_public))
    if bounds.min is None:
        prog = progression(fold_joined(title, objective))
        if prog is not None and (bounds.max is None or prog[0].rank <= bounds.max.rank):
            bounds = LevelBounds(prog[0], bounds.max)
    warnings = [] if not bounds.empty else ["niveau d'entrée (CECRL) non précisé : laissé inconnu"]
    return bounds, warnings


_TOWARDS = Needs(re.compile(rf"{_L}\s*(?:vers|jusqu'au?)\s*{_NIV}{_L}"), *_LEVEL_TOKENS)


def progression(text: str | None) -> tuple[Level, Level] | None:
    """« de A1 à A2 », « passer de A1 vers A2 », « A1 → A2 » → (A1, A2)."""
    t = fold(text)
    if "→" in t or "->" in t:
        t = t.replace("→", " vers ").replace("->", " vers ")
    m = _FROM_TO.search(t) or _TOWARDS.search(t)
    if not m:
        return None
    a, b = level_code(m.group(1)), level_code(m.group(2))
    return (a, b) if a.rank < b.rank else None


_CERT = re.compile(
    r"(?<![\w-])(DELF|DALF|DILF|TCF|TEF|DCL)(?![\w-])"
    r"(?:\s+(Pro|Prim|Junior|Scolaire|Tout[- ]Public|IRN|ANF|DAP|SO|Canada|Qu[ée]bec|FLE|Int[ée]gration|"
    r"Naturalisation|Carte de r[ée]sident))?"
    r"(?:\s*[-:]?\s*(?:niveau\s*)?(A1[.,]1|A1|A2|B1|B2|C1|C2)(?![.,]?\d))?",
    re.IGNORECASE)


def certification_from_text(*texts: str | None) -> str | None:
    """First certification named in the texts (searched in order): 'DELF A2', 'TCF IRN', 'DALF C1'…"""
    for text in texts:
        if not text:
            continue
        m = _CERT.search(text)
        if m:
            name = m.group(1).upper()
            parts = [name]
            if m.group(2):
                variant = m.group(2)
                parts.append(variant.upper() if len(variant) <= 3 else variant.capitalize())
            if m.group(3):
                parts.append(m.group(3).upper().replace(",", "."))
            return " ".join(parts)
    return None


_CERT_LEVEL = re.compile(r"(A1\.1|A1|A2|B1|B2|C1|C2)$")


def level_of_certification(cert: str | None) -> Level | None:
    """Level a certification attests: 'DELF A2' → A2, 'DILF' → A1.1; TCF/TEF (no level) → None."""
    if not cert:
        return None
    m = _CERT_LEVEL.search(cert)
    if m:
        return Level(m.group(1))
    if cert.startswith("DILF"):
        return Level.A1_1
    return None


_TARGET = re.compile(
    rf"\b(?:atteindre|obtenir|viser|valider|acquerir|consolider|passer au|preparer(?: le| au)?|"
    rf"preparation (?:au|du)|vers|jusqu'au?|niveau vise|niveau de sortie|niveau cible|objectif)\s*:?\s*"
    rf"{_NIV}(?:(?:delf|dalf|dilf|tcf|tef|dcl)\s*)?{_L}")
_ANY_LEVEL = re.compile(_L)


def target_level(certification: str | None, objective: str | None, title: str | None) -> tuple[Level | None, list[str]]:
    """Target level: the certification's level, else the objective (« atteindre le niveau A2 »,
    « de A1 à A2 »), else the title (« FLE niveau B1 » → B1; several levels → the highest).
    Unknown → None with a warning: never a guess."""
    lvl = level_of_certification(certification)
    if lvl is None:
        t = fold(objective)
        prog = progression(t)
        if prog:
            lvl = prog[1]
        elif m := _TARGET.search(t):
            lvl = level_code(m.group(1))
    if lvl is None and title:
        t = fold(title)
        prog = progression(t)
        if prog:
            lvl = prog[1]
        else:
            levels = [level_code(m.group(1)) for m in _ANY_LEVEL.finditer(t)
                      if not re.search(r"infra[- ]?$", t[max(0, m.start() - 6):m.start()])]
            if levels:
                lvl = max(levels, key=lambda x: x.rank)
    return lvl, ([] if lvl else ["niveau visé (CECRL) non précisé : laissé inconnu"])
