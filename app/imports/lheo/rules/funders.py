"""Who pays: the `organisme-financeur` lines of an action → funders (version-aware), funded places."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.reference.funders import Funder, funder_from_lheo


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
