"""The reference lists served at `GET /v1/reference/{name}`."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from app.reference.catalogue_codes import Kind, Modality, SessionStatus
from app.reference.funders import Funder
from app.reference.levels import Level, Literacy, PermitGoal
from app.reference.publics import Public
from app.reference.refusal_reasons import RefusalReason
from app.reference.roles import Role
from app.reference.sectors import Sector, sector_rome_codes
from app.reference.tension import TensionList


class ReferenceName(StrEnum):
    levels = "levels"
    literacy = "literacy"
    kinds = "kinds"
    funders = "funders"
    publics = "publics"
    sectors = "sectors"
    tension = "tension"
    refusal_reasons = "refusal_reasons"
    modalities = "modalities"
    session_statuses = "session_statuses"
    permit_goals = "permit_goals"
    roles = "roles"


def _levels() -> list[dict[str, Any]]:
    return [{**item, "order": i} for i, item in enumerate(Level.items())]


def _sectors() -> list[dict[str, Any]]:
    codes = sector_rome_codes()
    return [{**s, "rome_codes": list(codes[Sector(s["code"])])} for s in Sector.items()]


def reference_items(name: ReferenceName, tension: TensionList) -> list[dict[str, Any]]:
    builders: dict[ReferenceName, Callable[[], list[dict[str, Any]]]] = {
        ReferenceName.levels: _levels,
        ReferenceName.literacy: Literacy.items,
        ReferenceName.kinds: Kind.items,
        ReferenceName.funders: Funder.items,
        ReferenceName.publics: Public.items,
        ReferenceName.sectors: _sectors,
        ReferenceName.tension: tension.items,
        ReferenceName.refusal_reasons: RefusalReason.items,
        ReferenceName.modalities: Modality.items,
        ReferenceName.session_statuses: SessionStatus.items,
        ReferenceName.permit_goals: PermitGoal.items,
        ReferenceName.roles: Role.items,
    }
    return builders[name]()
