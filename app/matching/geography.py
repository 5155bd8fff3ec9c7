"""Geography and travel: distance from home, estimated travel time, remote sessions.

Rule (CONTRACT § Matching): an in-person or hybrid session is excluded when its known place is
beyond `max_distance_km` or beyond `max_travel_minutes` (estimated); a remote session is excluded
when `remote_ok` is false (counted under `distance`). A session whose place is unknown passes
(`unknown`). Remote sessions have no distance nor travel time.

Distance is the great-circle (haversine) distance between the home point (commune centroid or the
given lat/lon) and the session's place. It is computed from unit vectors, d = 2R·asin(|p − h| / 2),
which is the haversine formula rewritten so 100,000 rows cost a few vector operations.

Travel time is an **estimate**, not a routing result:
    minutes = access + distance × detour / speed × 60, rounded to the minute,
with the per-mode constants below; `max_travel_minutes` applies to this estimate and every detail
says "(estimation)".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from app.matching.reasons import Reason, fr_number
from app.reference.catalogue_codes import Modality, Transport

if TYPE_CHECKING:  # pragma: no cover
    from app.matching.candidate import Candidate
    from app.matching.context import MatchContext
    from app.matching.snapshot import Snapshot

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius


@dataclass(frozen=True, slots=True)
class TravelMode:
    detour: float  # network distance / straight-line distance
    speed_kmh: float  # mean door-to-door speed over the network distance, stops and changes included
    access_minutes: float  # walking to the stop / parking / unlocking, waiting: paid once per trip
    phrase: str  # French, for the reason detail


# The one place where travel-time assumptions live. Orders of magnitude from French urban mobility
# surveys (EMD/EMC²): public transport ≈ 20–30 km/h in-vehicle in a metropolis with ~10 min of
# access and waiting; car ≈ 35–45 km/h mean urban/peri-urban; bike ≈ 15 km/h; walk ≈ 4.5 km/h;
# street networks are 1.2–1.4× longer than the straight line.
TRAVEL_MODES: dict[Transport, TravelMode] = {
    Transport.PUBLIC_TRANSPORT: TravelMode(detour=1.3, speed_kmh=25.0, access_minutes=10.0,
                                           phrase="en transports en commun"),
    Transport.CAR: TravelMode(detour=1.3, speed_kmh=40.0, access_minutes=5.0, phrase="en voiture"),
    Transport.BIKE: TravelMode(detour=1.25, speed_kmh=15.0, access_minutes=2.0, phrase="à vélo"),
    Transport.WALK: TravelMode(detour=1.2, speed_kmh=4.5, access_minutes=0.0, phrase="à pied"),
}


def unit_xyz(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit vectors of points given in degrees (NaN in, NaN out)."""
    phi = np.radians(lat)
    lam = np.radians(lon)
    cos_phi = np.cos(phi)
    return cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)


def unit_xyz_scalar(lat: float | None, lon: float | None) -> tuple[float, float, float]:
    """Same as `unit_xyz` for one point, through the same numpy kernels (bit-identical results)."""
    if lat is None or lon is None:
        return (float("nan"),) * 3
    x, y, z = unit_xyz(np.array([lat], dtype=np.float64), np.array([lon], dtype=np.float64))
    return float(x[0]), float(y[0]), float(z[0])


def distance_km(x: np.ndarray, y: np.ndarray, z: np.ndarray, home: tuple[float, float, float]) -> np.ndarray:
    """Great-circle distance (km) from `home` (a unit vector) to each unit vector."""
    dx = x - home[0]
    dy = y - home[1]
    dz = z - home[2]
    half_chord = np.sqrt(dx * dx + dy * dy + dz * dz) * 0.5
    return (2.0 * EARTH_RADIUS_KM) * np.arcsin(np.minimum(half_chord, 1.0))


def travel_minutes(dist_km: np.ndarray, transport: Transport) -> np.ndarray:
    """Estimated door-to-door minutes (float array of whole numbers; NaN where distance is NaN)."""
    m = TRAVEL_MODES[transport]
    return np.rint(m.access_minutes + dist_km * (m.detour * 60.0 / m.speed_kmh))


@dataclass(frozen=True, slots=True)
class Geo:
    """Per-row distance (km) and travel time (min); NaN for remote sessions and unknown places."""

    dist_km: np.ndarray
    travel_min: np.ndarray


def measure(ctx: MatchContext, snap: Snapshot) -> Geo:
    dist = distance_km(snap.x, snap.y, snap.z, ctx.home_xyz)
    return Geo(dist, travel_minutes(dist, ctx.transport))


def _over_limits(ctx: MatchContext, dist: np.ndarray, travel: np.ndarray) -> np.ndarray:
    over = np.zeros(dist.shape, dtype=bool)
    if ctx.max_distance_km is not None:
        over |= dist > ctx.max_distance_km  # NaN compares False: unknown never excludes
    if ctx.max_travel_minutes is not None:
        over |= travel > ctx.max_travel_minutes
    return over


def distance_mask(ctx: MatchContext, snap: Snapshot, geo: Geo | None = None) -> np.ndarray:
    """True where the session is excluded under `distance` (too far, or remote not wanted)."""
    geo = geo or measure(ctx, snap)
    over = _over_limits(ctx, geo.dist_km, geo.travel_min)
    if not ctx.remote_ok:
        over |= snap.remote
    return over


def distance_of(ctx: MatchContext, c: Candidate) -> tuple[float | None, int | None]:
    """(distance km, estimated travel minutes) of one session; (None, None) if remote or unknown."""
    if c.modality is Modality.REMOTE or c.lat is None or c.lon is None:
        return None, None
    x, y, z = unit_xyz_scalar(c.lat, c.lon)
    dist = distance_km(np.array([x]), np.array([y]), np.array([z]), ctx.home_xyz)
    travel = travel_minutes(dist, ctx.transport)
    return float(dist[0]), int(travel[0])


def distance_reason(ctx: MatchContext, c: Candidate,
                    measured: tuple[float | None, int | None] | None = None) -> Reason:
    """`measured`: (distance, travel) already computed by `measure` for this row, if at hand."""
    if c.modality is Modality.REMOTE:
        if ctx.remote_ok:
            return Reason("distance", "met", "Formation à distance : pas de trajet")
        return Reason("distance", "unmet", "Formation à distance, non souhaitée par la personne")
    dist, travel = measured if measured is not None else distance_of(ctx, c)
    if dist is None or travel is None:
        status, text = "unknown", "lieu de la formation inconnu"
    else:
        origin = f"de {ctx.home.label}" if ctx.home.label else "du domicile"
        mode = TRAVEL_MODES[ctx.transport]
        text = f"{fr_number(dist)} km {origin}, environ {travel} min {mode.phrase} (estimation)"
        if c.city and c.city != ctx.home.label:
            text = f"à {c.city}, {text}"
        over = []
        if ctx.max_distance_km is not None and dist > ctx.max_distance_km:
            limit = ctx.max_distance_km
            over.append(f"{fr_number(limit, 0 if float(limit).is_integer() else 1)} km")
        if ctx.max_travel_minutes is not None and travel > ctx.max_travel_minutes:
            over.append(f"{ctx.max_travel_minutes} min")
        if over:
            text = f"{text} : au-delà de la limite de {' et de '.join(over)}"
        status = "unmet" if over else "met"
    if c.modality is Modality.HYBRID:
        text = f"Formation mixte : {text}"
    return Reason("distance", status, text[0].upper() + text[1:])
