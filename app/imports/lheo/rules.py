"""Pure mapping rules LHÉO → catalogue, one small function per rule.

`app.imports.lheo.document` extracts plain values (strings, lists) from the XML and calls these functions;
none of them touches XML, the database or the network, so each is unit-tested on its own.
Warnings returned by the rules are French sentences meant for a CARIF engineer or an adviser.

Text matching runs on *folded* text (lower case, accents removed, typographic quotes and dashes
normalised, see `fold`), except for a few acronyms that are only trusted in capitals (ASL, CIR).
"""

from __future__ import annotations

import calendar
import html
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import lru_cache

from app.core.clock import PARIS
from app.reference.catalogue_codes import DatePrecision, Day, Kind, Modality, SessionStatus
from app.reference.funders import Funder, funder_from_lheo
from app.reference.levels import LEVELS, Level, Literacy
from app.reference.publics import Public, public_from_formacode
from app.reference.sectors import Sector, sectors_for_rome

# ---------------------------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------------------------

_WS = re.compile(r"\s+")
_HTML_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]{0,500})?/?>")
_EMPTY_MARKERS = {"", "-", "--", ".", "_", "/"}

_FOLD_TABLE = str.maketrans({
    **dict.fromkeys("àâäáãå", "a"), "ç": "c", **dict.fromkeys("éèêë", "e"), **dict.fromkeys("íìîï", "i"),
    "ñ": "n", **dict.fromkeys("óòôöõ", "o"), **dict.fromkeys("úùûü", "u"), **dict.fromkeys("ýÿ", "y"),
    "œ": "oe", "æ": "ae", **dict.fromkeys("’‘`´ʼ", "'"), **dict.fromkeys("‐‑‒–—―", "-"),
    **dict.fromkeys("\u00a0\u202f\u2009", " "), "«": '"', "»": '"',
})


def clean_text(raw: str | None) -> str | None:
    """Unescape HTML (Onisep feeds), drop HTML tags, collapse whitespace; `-` and blanks → None."""
    if raw is None:
        return None
    s = html.unescape(raw)
    if "<" in s:
        s = _HTML_TAG.sub(" ", s)
        s = html.unescape(s)
    s = " ".join(s.split())  # = _WS.sub(" ", s).strip(): str.split and \s share Unicode's whitespace
    if s.lower() in _EMPTY_MARKERS:
        return None
    return s


def fold(text: str | None) -> str:
    """Lower case, accents removed, quotes/dashes/spaces normalised: the form every regex runs on."""
    if not text:
        return ""
    return _fold(text)


@lru_cache(maxsize=4096)
def _fold(text: str) -> str:  # formation texts are folded once for all their actions and rules
    return text.lower().translate(_FOLD_TABLE)


class Needs:
    """A compiled pattern that can only match text containing one of `words`: `search` first looks
    for those with `in` (a C substring search), and runs the regex only when one is there. Most
    texts mention none of a rule's words, and Python's regex engine tries every alternative of a
    pattern at every position. Each word must occur in every possible match
    (tests/imports/test_rules_prefilters.py checks it on a corpus)."""

    __slots__ = ("rx", "words")

    def __init__(self, rx: re.Pattern[str], *words: str) -> None:
        self.rx, self.words = rx, words

    def search(self, text: str) -> re.Match[str] | None:
        for w in self.words:
            if w in text:
                return self.rx.search(text)
        return None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        for w in self.words:
            if w in text:
                return self.rx.finditer(text)
        return iter(())


_LEVEL_TOKENS = ("a0", "a1", "a2", "b1", "b2", "c1", "c2")


def _join(*texts: str | None) -> str:
    return " \n ".join(t for t in texts if t)


def _fjoin(*texts: str | None) -> str:
    """fold(_join(*texts)), folding each part once (cached)."""
    return " \n ".join(_fold(t) for t in texts if t)


# ---------------------------------------------------------------------------------------------
# Is it FLE? Which kind?
# ---------------------------------------------------------------------------------------------

FLE_FORMACODES: frozenset[str] = frozenset({"15235", "15226", "15217", "15043"})
FORMACODE_ALPHA = "15043"
FORMACODES_FLE_PRO: frozenset[str] = frozenset({"15226", "15217"})
PUBLIC_ANALPHABETE = "81021"

# (label shown in reasons, pattern on folded text)
_FLE_KEYWORDS: list[tuple[str, re.Pattern[str]]] = [
    ("français langue étrangère", re.compile(r"\bfrancais,? langue etrangere\b")),
    ("FLE", re.compile(r"\bfle\b")),
    ("FLI", re.compile(r"\bfli\b|\bfrancais,? langue d'integration\b")),
    ("français langue seconde", re.compile(r"\bfrancais,? langue seconde\b")),
    ("alphabétisation", re.compile(r"\balphabetisation\b")),
    ("pré/post-alpha", re.compile(r"\b(?:pre|post)[- ]?alpha(?:betisation)?\b")),
    ("français à visée professionnelle/sociale",
     re.compile(r"\bfrancais (?:a|en|de) visees? (?:professionnelle|sociale|socio-?professionnelle|"
                r"d'insertion|communicative)s?\b")),
    ("français sur objectif spécifique", re.compile(r"\bfrancais sur objectifs? specifiques?\b")),
    ("français pour allophones", re.compile(r"\ballophones?\b|\bfrancais pour (?:les )?(?:etrangers|migrants)\b")),
    ("certification DELF/DALF/DILF/TCF/TEF", re.compile(r"\b(?:delf|dalf|dilf|tcf|tef)\b")),
    ("DCL FLE", re.compile(r"\bdcl[- ]fle\b")),
    ("atelier sociolinguistique", re.compile(r"\bateliers? socio-?linguistiques?\b")),
    ("contrat d'intégration républicaine", re.compile(r"\bcontrat d'integration republicaine\b")),
]
_ASL_CAPS = Needs(re.compile(r"\bASL\b"), "ASL")


def fle_evidence(formacodes: Sequence[str], title: str | None, objective: str | None,
                 content: str | None) -> str | None:
    """Why the formation is FLE (a short French phrase), or None when it is not.

    FLE = a Formacode in FLE_FORMACODES, or an FLE keyword in the title, objective or content.
    15040 (français mise à niveau) and 15041 alone are NOT FLE: they are for French speakers.
    """
    hits = [c for c in formacodes if c in FLE_FORMACODES]
    if hits:
        return f"Formacode {hits[0]}"
    raw = _join(title, objective, content)
    text = _fjoin(title, objective, content)
    for label, rx in _FLE_KEYWORDS:
        if rx.search(text):
            return f"mot-clé « {label} »"
    if _ASL_CAPS.search(raw):
        return "mot-clé « ASL »"
    return None


_CIR_TEXT = Needs(re.compile(r"\bcontrat d'integration republicaine\b|\bofii\b"), "contrat d'integration", "ofii")
_CIR_CAPS = Needs(re.compile(r"\bCIR\b"), "CIR")
_ALPHA_TEXT = Needs(re.compile(r"\b(?:post[- ]?|pre[- ]?)?alpha(?:betisation)?\b|\bnon[- ]lecteurs?\b|\banalphabetes?\b"),
                    "alpha", "lecteur")
_ASL_TEXT = Needs(re.compile(r"\bateliers? socio-?linguistiques?\b"), "socio")
_CERT_TEXT = Needs(re.compile(r"\b(?:delf|dalf|dilf|tcf|tef|dcl)\b"), "delf", "dalf", "dilf", "tcf", "tef", "dcl")
_FLE_PRO_TEXT = re.compile(
    r"\bvisees? (?:professionnelle|socio-?professionnelle|d'insertion)s?\b|\bfle[- ]pro\b|"
    r"\bfrancais (?:professionnel|langue professionnelle|du travail|pour l'emploi|metiers?)\b|"
    r"\bfrancais sur objectifs? specifiques?\b|\bfrancais (?:commercial|applique)\b")


def offer_kind(*, title: str | None, objective: str | None, formacodes: Sequence[str],
               public_codes: Sequence[str], funders: Iterable[Funder], rome_codes: Sequence[str]) -> Kind:
    """The kind of FLE course, first rule that applies:

    1. `cir`   — funded by the OFII, or the title/objective names the CIR / OFII;
    2. `alpha` — Formacode 15043, public 81021, or alpha/alphabétisation/non-lecteur in the title;
    3. `asl`   — « atelier sociolinguistique » / ASL in the title or objective;
    4. `certification` — DELF/DALF/DILF/TCF/TEF/DCL in the title or objective;
    5. `fle_pro` — Formacode 15226/15217, « à visée professionnelle » & co in the title or
       objective, or ROME codes on the formation (a job is targeted);
    6. `fle_general` otherwise.
    """
    raw = _join(title, objective)
    text = _fjoin(title, objective)
    if Funder.OFII in set(funders) or _CIR_TEXT.search(text) or _CIR_CAPS.search(raw):
        return Kind.CIR
    if FORMACODE_ALPHA in formacodes or PUBLIC_ANALPHABETE in public_codes or _ALPHA_TEXT.search(fold(title)):
        return Kind.ALPHA
    if _ASL_TEXT.search(text) or _ASL_CAPS.search(raw):
        return Kind.ASL
    if _CERT_TEXT.search(text):
        return Kind.CERTIFICATION
    if FORMACODES_FLE_PRO & set(formacodes) or _FLE_PRO_TEXT.search(text) or rome_codes:
        return Kind.FLE_PRO
    return Kind.FLE_GENERAL


# ---------------------------------------------------------------------------------------------
# Funders
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FunderLine:
    """One `organisme-financeur` of an action."""

    code: str
    programme: str | None = None
    funded_places: int | None = None
    public_codes: tuple[str, ...] = ()


def funders_from_lheo(lines: Sequence[FunderLine], version: str) -> tuple[list[Funder], list[str]]:
    """Funders of an action, version-aware (`funder_from_lheo`), with warnings for unknown codes.

    Code 0 (« Autre ») whose programme text names BOP 104 or the OFII is read like 13, the way
    2.2 feeds and pre-2.3 exports code them.
    """
    funders: list[Funder] = []
    warnings: list[str] = []
    for line in lines:
        code = (line.code or "").strip()
        funder = funder_from_lheo(code, version, line.programme) if code.isdigit() else None
        if funder is Funder.OTHER and code.lstrip("0") == "" and line.programme:
            funder = funder_from_lheo("13", version, line.programme)
            if funder is Funder.STATE_OTHER:
                funder = Funder.OTHER
        if funder is None:
            warnings.append(f"code financeur inconnu en LHÉO {version} : « {code} » (ignoré)")
            continue
        if funder not in funders:
            funders.append(funder)
    return funders, warnings


def funded_places(lines: Sequence[FunderLine]) -> int | None:
    """Sum of `nb-places-financees` (places bought by funders; not a live count)."""
    figures = [line.funded_places for line in lines if line.funded_places is not None]
    return sum(figures) if figures else None


# ---------------------------------------------------------------------------------------------
# CEFR levels
# ---------------------------------------------------------------------------------------------

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
        prog = progression(_fjoin(title, objective))
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


# ---------------------------------------------------------------------------------------------
# Literacy
# ---------------------------------------------------------------------------------------------

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
    text = _fjoin(*texts)
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


# ---------------------------------------------------------------------------------------------
# Sectors, codes
# ---------------------------------------------------------------------------------------------

_ROME = re.compile(r"^[A-N]\d{4}$")
_FORMACODE = re.compile(r"^\d{5}$")

_SECTOR_WORDS: list[tuple[Sector, re.Pattern[str]]] = [
    (Sector.SERVICES_A_LA_PERSONNE, re.compile(r"\bservices? (?:a|aux) (?:la )?personnes?\b|\baide a domicile\b|"
                                               r"\bauxiliaires? de vie\b|\bassistante?s? maternel")),
    (Sector.HOTELLERIE_RESTAURATION, re.compile(r"\bhotellerie\b|\brestauration\b|\bcommis de cuisine\b|"
                                                r"\bcuisine\b|\bserveur|\bplonge")),
    (Sector.BTP, re.compile(r"\bbtp\b|\bbatiment\b|\btravaux publics\b|\bchantiers?\b|\bmaconn")),
    (Sector.PROPRETE, re.compile(r"\bproprete\b|\bnettoyage\b|\bagents? d'entretien\b")),
    (Sector.LOGISTIQUE, re.compile(r"\blogistique\b|\bmagasinage\b|\bpreparat(?:eur|ion) de commandes?\b|\bcariste")),
    (Sector.AGRICULTURE, re.compile(r"\bagricole\b|\bagriculture\b|\bmaraichage\b|\bespaces verts\b|\bviticulture\b")),
    (Sector.AGROALIMENTAIRE, re.compile(r"\bagro-?alimentaire\b")),
    (Sector.INDUSTRIE, re.compile(r"\bindustrie\b|\bindustriel|\bsoudure\b|\businage\b")),
    (Sector.SECURITE_PRIVEE, re.compile(r"\bsecurite privee\b|\bagents? de securite\b|\bsurveillance\b")),
    (Sector.SANTE, re.compile(r"\bsante\b|\baides?-soignant|\bhospitali|\bsoins\b")),
    (Sector.TRANSPORT, re.compile(r"\btransports?\b|\bchauffeur|\bconduite de\b")),
    (Sector.COMMERCE, re.compile(r"\bcommerce\b|\bvente\b|\bvendeu|\bcaisse\b|\bgrande distribution\b")),
    (Sector.NUMERIQUE, re.compile(r"\bnumerique\b|\binformatique\b")),
]


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
        text = _fjoin(title, objective)
        for s, rx in _SECTOR_WORDS:
            if s not in out and rx.search(text):
                out.append(s)
    if not out and kind is not Kind.FLE_PRO:
        out.append(Sector.TOUS_SECTEURS)
    return out


# ---------------------------------------------------------------------------------------------
# Publics (who may enter) and audience (who it is designed for)
# ---------------------------------------------------------------------------------------------

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
_PUBLIC_WORDS: list[tuple[Public, re.Pattern[str]]] = [
    (Public.BPI, re.compile(r"\bprotection internationale\b|\bbpi\b|\brefugies?\b|\bprotection subsidiaire\b")),
    (Public.CIR_SIGNATORY, re.compile(r"\bsignataires? du (?:cir|contrat d'integration)|\bcontrat d'integration "
                                      r"republicaine\b|\bcir\b|\bprescrits? par l'ofii\b|\borientes? par l'ofii\b")),
    (Public.JOBSEEKER, re.compile(r"\bdemandeu(?:r|rs|se|ses) d'emploi\b|\binscrits? (?:a|chez) france travail\b")),
    (Public.RSA, re.compile(r"\b(?:allocataires?|beneficiaires?) du rsa\b|\brsa\b")),
    (Public.UNDER_26, re.compile(r"\bmoins de 26 ans\b|\b1[68][- ]2[56] ans\b|\bjeunes\b")),
    (Public.EMPLOYEE, re.compile(r"\bsalarie(?:e|s|es)?\b")),
    (Public.WOMEN, re.compile(r"\bfemmes\b|\bmeres\b")),
    (Public.IMMIGRANT, re.compile(r"\bprimo-?arrivant|\betrange(?:r|rs|re|res)\b|\bimmigre|\bmigrants?\b|\bressortissants? "
                                  r"(?:etrangers|de pays tiers)\b")),
]


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
            for public, rx in _PUBLIC_WORDS:
                if public not in out and rx.search(window):
                    out.append(public)
    return out


# ---------------------------------------------------------------------------------------------
# Dates, timestamps
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ParsedDate:
    value: date | None
    precision: DatePrecision = DatePrecision.DAY
    warning: str | None = None


_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_FR_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


def parse_lheo_date(raw: str | None, *, end: bool = False) -> ParsedDate:
    """`AAAAMMJJ` with LHÉO precision: 00000000 → unknown, 99999999 → open-ended (None),
    AAAAMM00 → month (1st for a start, last day for an end), AAAA0000 → year (1 Jan / 31 Dec).
    Also tolerates `YYYY-MM-DD` and `JJ/MM/AAAA`. Garbage → None with a warning."""
    return _parse_lheo_date((raw or "").strip(), end)


@lru_cache(maxsize=8192)  # a feed's sessions share a few hundred dates; ParsedDate is immutable
def _parse_lheo_date(s: str, end: bool) -> ParsedDate:
    if not s or s in {"00000000", "99999999"}:
        return ParsedDate(None)
    if m := _ISO_DATE.match(s):
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif m := _FR_DATE.match(s):
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif len(s) == 8 and s.isdigit():
        y, mo, d = int(s[:4]), int(s[4:6]), int(s[6:])
    else:
        return ParsedDate(None, warning=f"date illisible ignorée : « {s} »")
    try:
        if y == 0:
            return ParsedDate(None)
        if mo == 0:
            return ParsedDate(date(y, 12, 31) if end else date(y, 1, 1), DatePrecision.YEAR)
        if d == 0:
            last = calendar.monthrange(y, mo)[1]
            return ParsedDate(date(y, mo, last if end else 1), DatePrecision.MONTH)
        return ParsedDate(date(y, mo, d))
    except ValueError:
        return ParsedDate(None, warning=f"date invalide ignorée : « {s} »")


def parse_timestamp(raw: str | None) -> datetime | None:
    """2.3 `horodatage-*` (xs:dateTime, local Paris time when no offset) or 2.2 `datemaj`
    (AAAAMMJJ, midnight Paris) → aware UTC datetime; anything else → None."""
    return _parse_timestamp(raw or "")


@lru_cache(maxsize=1024)  # a formation, its actions and sessions usually carry the same stamp
def _parse_timestamp(raw: str) -> datetime | None:
    s = raw.strip()
    if not s:
        return None
    try:
        if len(s) == 8 and s.isdigit():
            if s[4:] == "0000" or s[6:] == "00":
                return None
            dt = datetime.combine(date(int(s[:4]), int(s[4:6]), int(s[6:])), time(0), PARIS)
        else:
            dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=PARIS)
    except ValueError:
        return None
    return dt.astimezone(UTC)


def latest(*stamps: datetime | None) -> datetime | None:
    known = [s for s in stamps if s is not None]
    return max(known) if known else None


# ---------------------------------------------------------------------------------------------
# Session status, places
# ---------------------------------------------------------------------------------------------

_ETAT = {"1": SessionStatus.OPEN, "2": SessionStatus.FULL, "3": SessionStatus.SUSPENDED}


def session_status(*, etat_recrutement: str | None, perimee: bool, end: date | None,
                   today: date) -> tuple[SessionStatus, list[str]]:
    """`etat-recrutement` 1 open / 2 full / 3 suspended (absent → open); `session-perimee` or
    `action-perimee` = 1, or an end date before today → closed."""
    warnings: list[str] = []
    code = (etat_recrutement or "").strip()
    status = _ETAT.get(code, SessionStatus.OPEN)
    if code and code not in _ETAT:
        warnings.append(f"etat-recrutement inconnu « {code} » : session considérée ouverte")
    if perimee or (end is not None and end < today):
        status = SessionStatus.CLOSED
    return status, warnings


def parse_int(raw: str | None) -> int | None:
    s = (raw or "").strip().replace(" ", "").replace("\u00a0", "")
    return int(s) if s.isdigit() else None


def parse_number(raw: str | None) -> float | None:
    """'35', '12,5', '7.5 h' → float; else None."""
    m = re.search(r"\d+(?:[.,]\d+)?", raw or "")
    return float(m.group(0).replace(",", ".")) if m else None


def first_places(*candidates: str | None) -> int | None:
    """First stated places figure (2.3 `recrutement/nb-places`, then an `nb-places` extra)."""
    for c in candidates:
        n = parse_int(c)
        if n is not None:
            return n
    return None


# ---------------------------------------------------------------------------------------------
# Hours, schedule
# ---------------------------------------------------------------------------------------------

_WEEKLY = re.compile(r"(\d{1,2}(?:[.,]\d+)?)\s*h(?:eures?)?(?:\s*\d{2})?\s*(?:par|/|\bpar\b)\s*semaine|"
                     r"(\d{1,2}(?:[.,]\d+)?)\s*h(?:eures?)?\s*hebdo(?:madaires?)?")


def hours(*, total: str | None, centre: str | None, entreprise: str | None, duree_hebdo: str | None,
          rythme: str | None) -> tuple[float | None, float | None, list[str]]:
    """(hours_total, hours_per_week, warnings): total from `nombre-heures-total` (else centre +
    entreprise); weekly from the `duree-hebdo` extra, else « 12 h par semaine » in the rhythm."""
    warnings: list[str] = []
    t = parse_number(total)
    if t is None:
        parts = [p for p in (parse_number(centre), parse_number(entreprise)) if p is not None]
        t = sum(parts) if parts else None
    if t is not None and not 0 <= t <= 10_000:
        warnings.append(f"nombre d'heures total invraisemblable ignoré : {t:g}")
        t = None
    w = parse_number(duree_hebdo)
    if w is None and rythme:
        m = _WEEKLY.search(fold(rythme))
        if m:
            w = float((m.group(1) or m.group(2)).replace(",", "."))
    if w is not None and not 0 <= w <= 80:
        warnings.append(f"durée hebdomadaire invraisemblable ignorée : {w:g} h")
        w = None
    return t, w, warnings


_DAY_WORDS = {"lundi": Day.MON, "mardi": Day.TUE, "mercredi": Day.WED, "jeudi": Day.THU, "vendredi": Day.FRI,
              "samedi": Day.SAT, "dimanche": Day.SUN}
_DAY_ORDER = list(Day)
_D = r"(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)s?"
_T = r"(\d{1,2})\s*(?:h|:)\s*(\d{2})?"
_SCHED_TOKEN = re.compile(
    rf"\bdu\s+{_D}\s+au\s+{_D}\b|\b{_D}\s*(?:au|-|a)\s*{_D}\b|\bsauf\s+(?:le\s+|les\s+)?{_D}\b|\b{_D}\b|"
    rf"(?<![\d])(?:de\s+)?{_T}\s*(?:-|a|au|jusqu'a|/)\s*{_T}")


def _hhmm(h: str, m: str | None) -> str | None:
    hh, mm = int(h), int(m or 0)
    if hh > 24 or mm > 59 or (hh == 24 and mm):
        return None
    return f"{hh:02d}:{mm:02d}"


_ANY_DIGIT = re.compile(r"\d")


def parse_schedule(text: str | None) -> tuple[list[dict[str, str]], list[str]]:
    """Weekly slots from `rythme-formation` when it states days AND hours:
    « lundi et jeudi de 9h à 12h30 », « du lundi au vendredi 9h-12h », « mardi, jeudi 14h00-17h00 »,
    « lundi 9h-12h, mercredi 14h-16h ». Days without hours (or hours without days) → [] (unknown),
    with a warning when something was half-stated. Returns dicts {day, start, end}."""
    t = fold(text)
    if not t or not _ANY_DIGIT.search(t):  # no hour can be stated: nothing to read, nothing half-said
        return [], []
    groups: list[tuple[list[Day], list[tuple[str, str]]]] = []
    days: list[Day] = []
    ranges: list[tuple[str, str]] = []
    bad = False
    for m in _SCHED_TOKEN.finditer(t):
        g = m.groups()
        if g[0]:  # du X au Y
            new = _day_span(g[0], g[1])
        elif g[2]:  # X au Y
            new = _day_span(g[2], g[3])
        elif g[4]:  # sauf X
            d = _DAY_WORDS[g[4]]
            days = [x for x in days if x is not d]
            continue
        elif g[5]:
            new = [_DAY_WORDS[g[5]]]
        else:
            start, end = _hhmm(g[6], g[7]), _hhmm(g[8], g[9])
            if start is None or end is None or end <= start:
                bad = True
                continue
            ranges.append((start, end))
            continue
        if ranges:  # a new day after hours closes the previous group
            groups.append((days, ranges))
            days, ranges = [], []
        days.extend(d for d in new if d not in days)
    if days or ranges:
        groups.append((days, ranges))
    if not groups:
        return [], []
    if bad or any(not d or not r for d, r in groups):
        has_info = any(d for d, _ in groups) and any(r for _, r in groups)
        return [], (["horaires partiellement indiqués dans le rythme : emploi du temps laissé inconnu"]
                    if has_info or bad else [])
    slots: list[dict[str, str]] = []
    for ds, rs in groups:
        for d in ds:
            for start, end in rs:
                slot = {"day": d.value, "start": start, "end": end}
                if slot not in slots:
                    slots.append(slot)
    slots.sort(key=lambda s: (_DAY_ORDER.index(Day(s["day"])), s["start"]))
    return slots, []


def _day_span(a: str, b: str) -> list[Day]:
    i, j = _DAY_ORDER.index(_DAY_WORDS[a]), _DAY_ORDER.index(_DAY_WORDS[b])
    return _DAY_ORDER[i:j + 1] if i <= j else []


# ---------------------------------------------------------------------------------------------
# Place, modality, organisation
# ---------------------------------------------------------------------------------------------

_MODALITY = {"0": Modality.IN_PERSON, "1": Modality.HYBRID, "2": Modality.REMOTE}


def modality(code: str | None) -> tuple[Modality, list[str]]:
    """`modalites-enseignement` 0 présentiel → in_person, 1 mixte → hybrid, 2 à distance → remote."""
    c = (code or "").strip()
    if c in _MODALITY:
        return _MODALITY[c], []
    return Modality.IN_PERSON, [f"modalites-enseignement inconnue « {c} » : présentiel retenu"]


_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
_POSTCODE = re.compile(r"^\d{5}$")


def location(*, lat: str | None, lon: str | None, insee: str | None, postcode: str | None
             ) -> tuple[dict[str, object] | None, list[str]]:
    """`LocationIn` fields from a `lieu-de-formation` address: lat/lon when both parse and are not
    0,0; the INSEE commune code; the postcode (00000 and malformed codes dropped). None when
    nothing usable is left (the service fills city, département, région from the codes)."""
    warnings: list[str] = []
    out: dict[str, object] = {}
    la, lo = _coord(lat), _coord(lon)
    if la is not None and lo is not None and -90 <= la <= 90 and -180 <= lo <= 180:
        if (la, lo) != (0, 0):
            out["lat"], out["lon"] = la, lo
    elif (lat or "").strip() or (lon or "").strip():
        warnings.append(f"géolocalisation illisible ignorée : « {lat or ''} », « {lon or ''} »")
    i = (insee or "").strip().upper()
    if i and i != "00000":
        if _INSEE.match(i):
            out["insee"] = i
        else:
            warnings.append(f"code INSEE invalide ignoré : « {i} »")
    p = (postcode or "").strip()
    if p and p != "00000":
        if _POSTCODE.match(p):
            out["postcode"] = p
        else:
            warnings.append(f"code postal invalide ignoré : « {p} »")
    return (out or None), warnings


def _coord(raw: str | None) -> float | None:
    try:
        return float((raw or "").strip().replace(",", "."))
    except ValueError:
        return None


_SIRET_NOISE = re.compile(r"[\s.\-]")


def normalise_siret(raw: str | None) -> tuple[str | None, list[str]]:
    """SIRET → 14 digits (spaces/dots removed; a 13-digit value regains its leading zero, a
    15-digit one starting with 0 loses it); Luhn-checked (La Poste's 356 000 000 rule aside).
    Invalid → (None, warning)."""
    s = _SIRET_NOISE.sub("", raw or "")
    if not s:
        return None, ["SIRET de l'organisme absent"]
    if s.isdigit() and len(s) == 13:
        s = "0" + s
    elif s.isdigit() and len(s) == 15 and s.startswith("0"):
        s = s[1:]
    if not (s.isdigit() and len(s) == 14) or set(s) == {"0"} or not _siret_checksum(s):
        return None, [f"SIRET invalide ignoré : « {raw.strip() if raw else ''} »"]
    return s, []


def _siret_checksum(s: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(s)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    if total % 10 == 0:
        return True
    # La Poste's establishments (SIREN 356 000 000) use another rule: digit sum multiple of 5
    return s.startswith("356000000") and sum(int(c) for c in s) % 5 == 0


def organisation(*, raison_sociale: str | None, nom: str | None, siret: str | None
                 ) -> tuple[dict[str, object] | None, list[str]]:
    """Organisation from `organisme-formation-responsable`: the raison sociale, else the
    nom-organisme; None when both are empty (the action is then rejected)."""
    name = clean_text(raison_sociale) or clean_text(nom)
    siret_ok, warnings = normalise_siret(siret)
    if not name:
        return None, warnings
    return {"name": name[:300], "siret": siret_ok}, warnings


# ---------------------------------------------------------------------------------------------
# Cost, childcare
# ---------------------------------------------------------------------------------------------

_FREE = re.compile(r"\bgratuit(?:e|s|es)?\b|\baucuns? frais\b|\bpas de frais\b|\baucun(?:e)? (?:cout|reste a charge)\b|"
                   r"\bsans frais\b|\bpris(?:e)? en charge (?:en totalite|integralement|a 100 ?%)")
_NOTHING = re.compile(r"^(?:neant|aucun|aucune|rien|0|0[.,]0+|0 ?(?:€|eur|euros?))\.?$")
_AMOUNT = re.compile(r"(\d+(?:[ \u00a0]\d{3})*(?:[.,]\d{1,2})?)\s*(?:€|eur|euros?)?")


def cost_to_learner(*, frais_restants: str | None, prix_total: str | None, detail_prise_en_charge: str | None,
                    funders: Sequence[Funder]) -> float | None:
    """What the learner pays: `frais-restants` (a figure, or « gratuit », « aucun », « 0 » → 0);
    else « gratuit » in `detail-conditions-prise-en-charge` → 0; else `prix-total-TTC` when it is
    0, or when the learner is the only funder; otherwise None (unknown)."""
    fr = fold(clean_text(frais_restants))
    if fr:
        if _FREE.search(fr) or _NOTHING.match(fr):
            return 0.0
        m = _AMOUNT.search(fr)
        if m:
            return _amount(m.group(1))
    if _FREE.search(fold(clean_text(detail_prise_en_charge))):
        return 0.0
    price = _amount_or_none(prix_total)
    if price is not None and (price == 0 or (funders and set(funders) == {Funder.LEARNER})):
        return price
    return None


def _amount(s: str) -> float:
    return float(s.replace(" ", "").replace("\u00a0", "").replace(",", "."))


def _amount_or_none(raw: str | None) -> float | None:
    s = (raw or "").strip()
    m = _AMOUNT.fullmatch(s) if s else None
    return _amount(m.group(1)) if m else None


_NO_CHILDCARE = Needs(re.compile(r"\b(?:pas de|sans|aucune?) (?:mode de )?(?:garde d'enfants?|halte-?garderie|creche)\b"),
                      "garde", "creche")
_CHILDCARE = Needs(re.compile(r"\bgarde d'enfants?\b|\bhalte[- ]?garderies?\b|\bcreches?\b|\bmode de garde\b|"
                              r"\bgarderie\b|\bespace (?:enfants|petite enfance)\b"), "garde", "creche", "espace ")


def childcare(*texts: str | None) -> bool | None:
    """« garde d'enfants », « halte-garderie », « crèche » → True; « pas de garde d'enfants » → False;
    nothing → None (unknown)."""
    t = _fjoin(*texts)
    if _NO_CHILDCARE.search(t):
        return False
    if _CHILDCARE.search(t):
        return True
    return None
