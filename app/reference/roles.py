"""Who calls the API: the roles a key (or, later, a signed-in person) holds."""

from __future__ import annotations

from enum import auto

from app.reference.base import RefEnum


class Role(RefEnum):
    ADVISER = auto()
    SYNC = auto()
    PROVIDER = auto()
    ADMIN = auto()
