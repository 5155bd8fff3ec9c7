"""Where: the teaching modality and the location of a `lieu-de-formation` address."""

from __future__ import annotations

import re

from app.reference.catalogue_codes import Modality

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
