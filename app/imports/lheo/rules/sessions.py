"""A session's status and the places figures it states."""

from __future__ import annotations

from datetime import date

from app.imports.lheo.rules.text import parse_int
from app.reference.catalogue_codes import SessionStatus

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



def first_places(*candidates: str | None) -> int | None:
    """First stated places figure (2.3 `recrutement/nb-places`, then an `nb-places` extra)."""
    for c in candidates:
        n = parse_int(c)
        if n is not None:
            return n
    return None
