"""Why a training organisation refuses a prescription."""

from __future__ import annotations

from app.reference.base import RefEnum


class RefusalReason(RefEnum):
    LEVEL = "niveau_inadapte"
    FULL = "session_complete"
    SCHEDULE = "horaires"
    UNREACHABLE = "injoignable"
    NO_SHOW = "absent_information"
    PUBLIC = "public_non_eligible"
    PREREQUISITE = "prerequis"
    WITHDRAWN = "desistement"
    OTHER = "autre"
