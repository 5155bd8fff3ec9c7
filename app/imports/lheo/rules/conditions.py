"""Conditions for the learner: what it costs them, whether children are looked after."""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.imports.lheo.rules.text import Needs, clean_text, fold, fold_joined
from app.reference.funders import Funder

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
    t = fold_joined(*texts)
    if _NO_CHILDCARE.search(t):
        return False
    if _CHILDCARE.search(t):
        return True
    return None
