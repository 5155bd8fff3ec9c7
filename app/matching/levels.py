"""Levels (CEFR, CONTRACT order A0 < A1.1 < A1 < A2 < B1 < B2 < C1 < C2).

Rule: excluded when the person's level is below the entry minimum or above the entry maximum, or
when the offer's target level is not above the person's level — each only when that fact is known.
The person's target (for ranking) is `target_level`, else `permit_goal`'s level (csp → A2,
resident → B1, naturalisation → B2), else the next level up (`Profile.effective_target_level`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from app.matching.reasons import Reason, fr_level_range

if TYPE_CHECKING:  # pragma: no cover
    from app.matching.candidate import Candidate
    from app.matching.context import MatchContext
    from app.matching.snapshot import Snapshot


def level_mask(ctx: MatchContext, snap: Snapshot) -> np.ndarray:
    """True where a known entry bound or target level contradicts the person's level."""
    r = ctx.level.rank
    below_min = snap.entry_min > r  # unknown = -1 never is
    above_max = (snap.entry_max >= 0) & (snap.entry_max < r)
    no_progress = (snap.target >= 0) & (snap.target <= r)
    return below_min | above_max | no_progress


def level_reason(ctx: MatchContext, c: Candidate) -> Reason:
    lvl = ctx.level
    entry = fr_level_range(c.entry_min, c.entry_max)
    if c.entry_min is not None and lvl.rank < c.entry_min.rank:
        return Reason("level", "unmet", f"Niveau {lvl.value} en dessous de l'entrée {entry}")
    if c.entry_max is not None and lvl.rank > c.entry_max.rank:
        return Reason("level", "unmet", f"Niveau {lvl.value} au-dessus de l'entrée {entry}")
    if c.target_level is not None and c.target_level.rank <= lvl.rank:
        return Reason("level", "unmet",
                      f"Mène au {c.target_level.value}, niveau déjà atteint (niveau {lvl.value})")
    if c.entry_min is not None and c.entry_max is not None:
        first = f"Niveau {lvl.value} compris dans l'entrée {entry}"
    elif c.entry_min is not None:
        first = f"Niveau {lvl.value} : entrée {entry} (maximum non précisé)"
    elif c.entry_max is not None:
        first = f"Niveau {lvl.value} : entrée {entry} (minimum non précisé)"
    else:
        first = f"Niveau {lvl.value} : niveau d'entrée non précisé"
    second = f"mène au {c.target_level.value}" if c.target_level is not None else "niveau visé non précisé"
    complete = c.entry_min is not None and c.entry_max is not None and c.target_level is not None
    return Reason("level", "met" if complete else "unknown", f"{first} ; {second}")
