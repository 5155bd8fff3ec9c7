"""CEFR levels (CECRL), in CONTRACT order, and literacy."""

from __future__ import annotations

from enum import auto

from app.reference.base import RefEnum


class Level(RefEnum):
    A0 = "A0"
    A1_1 = "A1.1"
    A1 = "A1"
    A2 = "A2"
    B1 = "B1"
    B2 = "B2"
    C1 = "C1"
    C2 = "C2"

    @property
    def rank(self) -> int:
        return LEVEL_ORDER[self]

    def next(self) -> Level:
        """The next level up (C2 stays C2)."""
        return LEVELS[min(self.rank + 1, len(LEVELS) - 1)]


LEVELS: list[Level] = list(Level)
LEVEL_ORDER: dict[Level, int] = {lvl: i for i, lvl in enumerate(LEVELS)}


class Literacy(RefEnum):
    NONE = auto()
    PARTIAL = auto()
    FULL = auto()


# Each goal's `target_level` is in data/lists.toml.
class PermitGoal(RefEnum):
    CSP = auto()
    RESIDENT = auto()
    NATURALISATION = auto()

    @property
    def target_level(self) -> Level:
        return Level(self.extra["target_level"])
