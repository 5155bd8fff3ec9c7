"""Ranking: a 0–100 score from named weights, ties ordered by a seed that changes daily.

Each criterion gives a credit between 0 and 1, multiplied by its weight. Criteria that cannot apply
to this person (no sector stated, no childcare needed, publics not stated, home région unknown) are
left out and the score is rescaled over the weights that apply:

    score = round(100 × Σ weight × credit / Σ weight of the criteria that apply)

| criterion | weight | credit |
|---|---|---|
| sector    | 25 | 1 FLE à visée professionnelle in one of the person's sectors; 0.6 another kind of course in that sector; 0 otherwise |
| tension   | 10 | 1 when a sector or ROME code of the offer is en tension in the person's région |
| target    | 15 | 1 when the offer leads to the person's target level or above; the share of the way there otherwise; 0.25 unknown |
| distance  | 15 | 1 − distance / limit (the larger ratio of distance/km limit and travel/minute limit); remote = 1; 0.25 unknown |
| start     | 10 | 1 − days until entry / `start_within_days` (rolling entry already open = 1); 0.25 unknown |
| places    |  7 | 1 when free places are known (> 0) |
| cost      |  6 | 1 when known free for the learner |
| childcare |  5 | 1 when childcare is offered (only when `needs_childcare`) |
| audience  |  4 | 1 designed for one of the person's publics; 0.5 designed for everyone |
| quality   |  3 | the offer's completeness (0–1) |

Equal (integer) scores are ordered by `tiebreak`: splitmix64 of the session id mixed with a seed
drawn from the date (blake2b), then by session id: same request and same day → same order; another
day → another order among equals, so no provider is always first.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass, fields
from typing import TYPE_CHECKING

import numpy as np

from app.matching.eligibility import publics_phrase
from app.matching.reasons import Reason, fr_join, fr_money, fr_number
from app.reference.catalogue_codes import Kind
from app.reference.publics import Public
from app.reference.sectors import Sector

if TYPE_CHECKING:  # pragma: no cover
    from app.matching.candidate import Candidate
    from app.matching.context import MatchContext
    from app.matching.geography import Geo
    from app.matching.snapshot import Snapshot


@dataclass(frozen=True, slots=True)
class Weights:
    sector: int = 25  # the person's sector, FLE à visée professionnelle in it first
    tension: int = 10  # sectors / ROME codes en tension in the person's région
    target: int = 15  # reaching the person's target level
    distance: int = 15  # nearer
    start: int = 10  # sooner
    places: int = 7  # known free places
    cost: int = 6  # no cost to the learner
    childcare: int = 5  # childcare, when the person needs it
    audience: int = 4  # designed for the person's publics
    quality: int = 3  # offer completeness


WEIGHTS = Weights()
assert sum(astuple(WEIGHTS)) == 100
CRITERIA: tuple[str, ...] = tuple(f.name for f in fields(Weights))

SECTOR_OTHER_KIND_CREDIT = 0.6  # a course in the person's sector that is not FLE à visée pro
UNKNOWN_CREDIT = 0.25  # target, distance, start unknown: below any known good value
AUDIENCE_ALL_CREDIT = 0.5  # designed for everyone rather than for the person's publics


def applicable(ctx: MatchContext) -> dict[str, bool]:
    return {
        "sector": bool(ctx.sectors),
        "tension": ctx.region is not None,
        "target": True,
        "distance": True,
        "start": True,
        "places": True,
        "cost": True,
        "childcare": ctx.needs_childcare,
        "audience": bool(ctx.publics),
        "quality": True,
    }


def _rome_hits(ctx: MatchContext, snap: Snapshot) -> np.ndarray:
    """Per interned ROME set, whether it meets the région's shortage list; trailing False for -1."""
    romes = ctx.tension_romes
    hits = np.zeros(len(snap.rome_sets) + 1, dtype=bool)
    if romes:
        for i, s in enumerate(snap.rome_sets):
            if not s.isdisjoint(romes):
                hits[i] = True
    return hits


def components(ctx: MatchContext, snap: Snapshot, idx: np.ndarray, geo: Geo) -> dict[str, np.ndarray]:
    """Credit (0–1) of each criterion for the rows `idx`."""
    n = len(idx)
    sectors = snap.sectors[idx]
    has_sector = (sectors & ctx.sectors_bits) != 0
    sector = np.where(has_sector, np.where(snap.fle_pro[idx], 1.0, SECTOR_OTHER_KIND_CREDIT), 0.0)

    tension = ((sectors & ctx.tension_bits) != 0) | _rome_hits(ctx, snap)[snap.rome_id[idx]]

    lvl, tgt = ctx.level.rank, ctx.target_level.rank
    t = snap.target[idx].astype(np.float64)
    progress = np.clip((t - lvl) / max(tgt - lvl, 1), 0.0, 1.0)
    target = np.where(t < 0, UNKNOWN_CREDIT, np.where(t <= lvl, 0.0, np.where(t >= tgt, 1.0, progress)))

    dist, travel = geo.dist_km[idx], geo.travel_min[idx]
    ratio = np.zeros(n)
    if ctx.max_distance_km is not None:
        if ctx.max_distance_km > 0:
            ratio = np.maximum(ratio, dist / ctx.max_distance_km)
        else:
            ratio = np.maximum(ratio, np.where(dist > 0, 1.0, 0.0))
    if ctx.max_travel_minutes is not None:
        ratio = np.maximum(ratio, travel / ctx.max_travel_minutes)
    distance = np.where(snap.remote[idx], 1.0,
                        np.where(np.isnan(dist), UNKNOWN_CREDIT, np.clip(1.0 - ratio, 0.0, 1.0)))

    lo, window = ctx.lo, max(ctx.start_within_days, 1)
    start_lo = snap.start_lo[idx]
    wait = (np.maximum(start_lo, lo) - lo).astype(np.float64)
    start = np.where(start_lo >= 0, np.clip(1.0 - wait / window, 0.0, 1.0),
                     np.where(snap.rolling[idx], 1.0, UNKNOWN_CREDIT))

    audience = snap.audience[idx]
    return {
        "sector": sector,
        "tension": tension.astype(np.float64),
        "target": target,
        "distance": distance,
        "start": start,
        "places": (snap.places[idx] > 0).astype(np.float64),
        "cost": (snap.cost[idx] == 0).astype(np.float64),
        "childcare": (snap.childcare[idx] == 1).astype(np.float64),
        "audience": np.where((audience & ctx.publics_bits) != 0, 1.0,
                             np.where(snap.audience_all[idx], AUDIENCE_ALL_CREDIT, 0.0)),
        "quality": np.clip(snap.quality[idx], 0.0, 1.0),
    }


def scores(ctx: MatchContext, snap: Snapshot, idx: np.ndarray, geo: Geo) -> np.ndarray:
    """Integer scores (0–100) of the rows `idx`."""
    comps = components(ctx, snap, idx, geo)
    use = applicable(ctx)
    total = np.zeros(len(idx))
    denom = 0
    for name in CRITERIA:
        if use[name]:
            weight = getattr(WEIGHTS, name)
            total += weight * comps[name]
            denom += weight
    return np.rint(total * (100.0 / denom)).astype(np.int64)


# --- ordering -------------------------------------------------------------------------------------

_M64 = (1 << 64) - 1


def tiebreak(seed: int, session_ids: np.ndarray) -> np.ndarray:
    """splitmix64(session_id + seed) as uint64: a daily pseudo-random order among equal scores."""
    z = session_ids.astype(np.uint64) + np.uint64(seed & _M64)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def tiebreak_scalar(seed: int, session_id: int) -> int:
    z = (session_id + seed) & _M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return z ^ (z >> 31)


def top(ctx: MatchContext, session_ids: np.ndarray, score: np.ndarray, limit: int) -> np.ndarray:
    """Positions (into the given arrays) of the `limit` best, best first: score desc, then tiebreak."""
    n = len(score)
    if n == 0 or limit <= 0:
        return np.zeros(0, dtype=np.intp)
    # One sortable key: (100 - score) in the top 7 bits, the tie-break's top 57 bits below.
    key = ((np.uint64(100) - score.astype(np.uint64)) << np.uint64(57)) | (
        tiebreak(ctx.seed, session_ids) >> np.uint64(7))
    if n > limit:
        part = np.argpartition(key, limit - 1)[:limit]
        cut = key[part].max()
        chosen = np.flatnonzero(key <= cut)  # keeps every row equal to the cut (deterministic)
    else:
        chosen = np.arange(n)
    order = np.lexsort((session_ids[chosen], key[chosen]))
    return chosen[order][:limit]


# --- reasons of the ranking criteria --------------------------------------------------------------

_SECTORS = tuple(Sector)


def _sector_names(sectors: frozenset[Sector]) -> str:
    return fr_join([s.label for s in _SECTORS if s in sectors])


def sector_reason(ctx: MatchContext, c: Candidate) -> Reason:
    offer = frozenset(c.sectors) - {Sector.TOUS_SECTEURS}
    if not ctx.sectors:
        suffix = f" ; formation liée au secteur : {_sector_names(offer)}" if offer else ""
        return Reason("sector", "unknown", f"Aucun secteur recherché indiqué{suffix}")
    common = frozenset(c.sectors) & ctx.sectors
    if common and c.kind is Kind.FLE_PRO:
        return Reason("sector", "met", f"FLE à visée professionnelle dans le secteur recherché : {_sector_names(common)}")
    if common:
        return Reason("sector", "partial",
                      f"Formation liée au secteur recherché ({_sector_names(common)}), "
                      "sans être du FLE à visée professionnelle")
    if offer:
        return Reason("sector", "unmet",
                      f"Secteur de la formation : {_sector_names(offer)} ; "
                      f"secteur recherché : {_sector_names(ctx.sectors)}")
    return Reason("sector", "unmet", f"Français général, sans lien avec le secteur recherché "
                                     f"({_sector_names(ctx.sectors)})")


# French preposition before a région name (default "en …").
_REGION_IN = {"04": "à", "06": "à", "32": "dans les", "44": "dans le", "52": "dans les"}


def _in_region(code: str | None, name: str | None) -> str:
    if not name:
        return "dans la région"
    prefix = _REGION_IN.get(code or "", "en")
    if prefix == "dans les" and name.startswith(("Hauts", "Pays")):
        return f"dans les {name}"
    return f"{prefix} {name}"


def tension_reason(ctx: MatchContext, c: Candidate) -> Reason:
    if ctx.region is None:
        return Reason("tension", "unknown", "Région de résidence inconnue : métiers en tension non évalués")
    where = _in_region(ctx.region, ctx.region_name)
    hit_sectors = frozenset(c.sectors) & ctx.tension_sectors
    if hit_sectors:
        return Reason("tension", "met", f"Secteur en tension {where} : {_sector_names(hit_sectors)}")
    hit_romes = sorted(frozenset(c.rome_codes) & ctx.tension_romes)
    if hit_romes:
        return Reason("tension", "met", f"Métier en tension {where} (ROME {', '.join(hit_romes)})")
    return Reason("tension", "unmet", f"Pas de secteur en tension {where}")


def target_reason(ctx: MatchContext, c: Candidate) -> Reason:
    goal = ctx.target_level
    if c.target_level is None:
        return Reason("target", "unknown", f"Niveau visé par la formation inconnu (objectif : {goal.value})")
    if c.target_level.rank <= ctx.level.rank:  # excluded under `level` anyway
        return Reason("target", "unmet", f"Mène au {c.target_level.value} : pas au-delà du niveau actuel")
    if c.target_level.rank >= goal.rank:
        return Reason("target", "met", f"Mène au {c.target_level.value} : objectif {goal.value} atteint")
    return Reason("target", "partial", f"Mène au {c.target_level.value} : une étape vers l'objectif {goal.value}")


def cost_reason(ctx: MatchContext, c: Candidate) -> Reason:
    if c.cost_to_learner is None:
        return Reason("cost", "unknown", "Coût pour la personne non précisé")
    if c.cost_to_learner == 0:
        return Reason("cost", "met", "Gratuite pour la personne")
    return Reason("cost", "unmet", f"Reste à charge : {fr_money(c.cost_to_learner)}")


def childcare_reason(ctx: MatchContext, c: Candidate) -> Reason:
    if not ctx.needs_childcare:
        offered = " (garde proposée)" if c.childcare else ""
        return Reason("childcare", "met", f"Pas de besoin de garde d'enfants indiqué{offered}")
    if c.childcare is None:
        return Reason("childcare", "unknown", "Garde d'enfants non précisée")
    if c.childcare:
        return Reason("childcare", "met", "Garde d'enfants proposée")
    return Reason("childcare", "unmet", "Pas de garde d'enfants proposée")


def audience_reason(ctx: MatchContext, c: Candidate) -> Reason:
    designed = frozenset(c.audience) - {Public.ALL}
    if not ctx.publics:
        suffix = f" ; conçue pour les {publics_phrase(designed, 'et')}" if designed else ""
        return Reason("audience", "unknown", f"Publics de la personne non indiqués{suffix}")
    common = designed & ctx.publics
    if common:
        return Reason("audience", "met", f"Conçue pour les {publics_phrase(common, 'et')}")
    if Public.ALL in c.audience:
        return Reason("audience", "partial", "Conçue pour tout public")
    if designed:
        return Reason("audience", "unmet", f"Conçue pour les {publics_phrase(designed, 'et')}")
    return Reason("audience", "unknown", "Public visé non précisé")


def quality_reason(ctx: MatchContext, c: Candidate) -> Reason:
    q = min(max(c.quality, 0.0), 1.0)
    status = "met" if q >= 0.8 else "partial" if q >= 0.5 else "unmet"
    return Reason("quality", status, f"Fiche renseignée à {fr_number(q * 100, 0)} %")


RANKING_REASONS = (sector_reason, tension_reason, target_reason, cost_reason, childcare_reason,
                   audience_reason, quality_reason)
