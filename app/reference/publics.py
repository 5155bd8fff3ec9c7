"""Publics: who may enter a course (`publics`) and who it is designed for (`audience`)."""

from __future__ import annotations

from collections.abc import Iterable
from enum import auto

from app.reference.base import RefEnum


# Each public's `formacode_public` (the LHÉO public codes it maps from) is in data/lists.toml.
class Public(RefEnum):
    IMMIGRANT = auto()
    CIR_SIGNATORY = auto()
    BPI = auto()
    JOBSEEKER = auto()
    RSA = auto()
    UNDER_26 = auto()
    EMPLOYEE = auto()
    WOMEN = auto()
    ALL = auto()


# A CIR signatory or a BPI also counts as an immigrant (CONTRACT § Reference lists).
_IMPLIES: dict[Public, set[Public]] = {
    Public.CIR_SIGNATORY: {Public.IMMIGRANT},
    Public.BPI: {Public.IMMIGRANT},
}


def expand_publics(publics: Iterable[Public | str]) -> set[Public]:
    """The person's categories with the ones they imply."""
    out: set[Public] = set()
    for p in publics:
        p = Public(p)
        out.add(p)
        out |= _IMPLIES.get(p, set())
    return out


def public_from_formacode(code: str) -> Public | None:
    code = code.strip()
    for p in Public:
        if code in p.extra["formacode_public"]:
            return p
    return None
