"""The responsible organisation: its name and a checked SIRET."""

from __future__ import annotations

import re

from app.imports.lheo.rules.text import clean_text

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
