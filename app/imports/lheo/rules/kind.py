"""Is a formation FLE, and which kind of FLE course is it (`fle_evidence`, `offer_kind`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from app.imports.lheo.rules.text import Needs, Vocabulary, fold, fold_joined, join_texts
from app.reference.catalogue_codes import Kind
from app.reference.funders import Funder

FLE_FORMACODES: frozenset[str] = frozenset({"15235", "15226", "15217", "15043"})
FORMACODE_ALPHA = "15043"
FORMACODES_FLE_PRO: frozenset[str] = frozenset({"15226", "15217"})
PUBLIC_ANALPHABETE = "81021"

# label shown in reasons → pattern on folded text
_FLE_KEYWORDS = Vocabulary({
    "français langue étrangère": r"\bfrancais,? langue etrangere\b",
    "FLE": r"\bfle\b",
    "FLI": r"\bfli\b|\bfrancais,? langue d'integration\b",
    "français langue seconde": r"\bfrancais,? langue seconde\b",
    "alphabétisation": r"\balphabetisation\b",
    "pré/post-alpha": r"\b(?:pre|post)[- ]?alpha(?:betisation)?\b",
    "français à visée professionnelle/sociale":
        r"\bfrancais (?:a|en|de) visees? (?:professionnelle|sociale|socio-?professionnelle|"
        r"d'insertion|communicative)s?\b",
    "français sur objectif spécifique": r"\bfrancais sur objectifs? specifiques?\b",
    "français pour allophones": r"\ballophones?\b|\bfrancais pour (?:les )?(?:etrangers|migrants)\b",
    "certification DELF/DALF/DILF/TCF/TEF": r"\b(?:delf|dalf|dilf|tcf|tef)\b",
    "DCL FLE": r"\bdcl[- ]fle\b",
    "atelier sociolinguistique": r"\bateliers? socio-?linguistiques?\b",
    "contrat d'intégration républicaine": r"\bcontrat d'integration republicaine\b",
})
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
    raw = join_texts(title, objective, content)
    text = fold_joined(title, objective, content)
    label = _FLE_KEYWORDS.first_in(text)
    if label is not None:
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
    raw = join_texts(title, objective)
    text = fold_joined(title, objective)
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
