"""Matching a jobseeker's profile to course sessions (CONTRACT § Matching) — the pure core.

No FastAPI, no database, no logging. The integration layer:
1. builds one `Candidate` per session of every non-withdrawn offer and keeps a `Snapshot` of them
   (`Snapshot.build`, then `snapshot.apply(upserts, removed_session_ids)` on every change);
2. validates the body with `MatchRequest` (422s), resolves the home with `resolve_home`
   (`UnknownCommune` → 422 at its `loc`);
3. calls `match(profile, home, snapshot, today=paris_today()  (app.core.clock), limit=..., tension=...)` and turns
   the `MatchOutcome` into the response, fetching the offer and session objects by id.

Modules: `profile` (request models, home), `candidate` (input row), `snapshot` (columns),
`context` (profile resolved for one match), one module per rule family — `geography` (distance,
travel time, remote), `dates` (dates, status, places), `levels`, `eligibility` (literacy,
publics), `schedule` — each with a vectorized `*_mask` and a scalar `*_reason`; `scoring`
(weights, ranking reasons, daily tie-break) and `core` (counting and ranking).
"""

from app.matching.candidate import Candidate, TimeSlot
from app.matching.core import EXCLUSION_ORDER, MatchOutcome, RankedSession, match
from app.matching.profile import (
    Home,
    HomePoint,
    MatchRequest,
    Profile,
    UnknownCommune,
    resolve_home,
)
from app.matching.reasons import Reason
from app.matching.snapshot import Snapshot

__all__ = [
    "EXCLUSION_ORDER", "Candidate", "Home", "HomePoint", "MatchOutcome", "MatchRequest", "Profile",
    "RankedSession", "Reason", "Snapshot", "TimeSlot", "UnknownCommune", "match", "resolve_home",
]
