"""`MatchContext`: the profile resolved once per match into the numbers every rule compares."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from app.matching import codes
from app.matching.geography import unit_xyz_scalar
from app.matching.profile import HomePoint, Profile
from app.matching.schedule import merge_availability
from app.reference.catalogue_codes import Transport
from app.reference.levels import Level, Literacy
from app.reference.publics import Public, expand_publics
from app.reference.sectors import Sector


class TensionSource(Protocol):
    """What matching needs from `app.reference.tension.TensionList`."""

    def sectors_in(self, region: str) -> frozenset[Sector]: ...

    def rome_codes_in(self, region: str) -> frozenset[str]: ...


@dataclass(frozen=True, slots=True)
class MatchContext:
    today: date
    level: Level
    target_level: Level
    literacy: Literacy | None  # None = not stated
    publics: frozenset[Public] | None  # expanded (a CIR signatory is also an immigrant); None = not stated
    publics_bits: int
    sectors: frozenset[Sector]
    sectors_bits: int
    home: HomePoint
    home_xyz: tuple[float, float, float]
    max_distance_km: float | None  # the limits that apply (None = no such limit)
    max_travel_minutes: int | None
    transport: Transport
    remote_ok: bool
    availability: tuple[tuple[int, int, int], ...] | None  # merged (day index, start, end) minutes
    available_from: date
    window_end: date  # available_from + start_within_days
    start_within_days: int
    needs_childcare: bool
    region: str | None  # the home's région (None: unknown, tension cannot be assessed)
    region_name: str | None
    tension_sectors: frozenset[Sector]
    tension_bits: int
    tension_romes: frozenset[str]
    seed: int  # daily tie-break seed

    @property
    def lo(self) -> int:
        return self.available_from.toordinal()

    @property
    def hi(self) -> int:
        return self.window_end.toordinal()


def daily_seed(today: date) -> int:
    """64-bit seed that changes every day (CONTRACT: equal scores ordered by a daily seed)."""
    digest = hashlib.blake2b(f"parcours-fle:{today.isoformat()}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def build_context(profile: Profile, home: HomePoint, *, today: date,
                  tension: TensionSource | None = None) -> MatchContext:
    available_from = profile.available_from or today
    publics = None if profile.publics is None else frozenset(expand_publics(profile.publics))
    sectors = frozenset(profile.sectors)
    region = home.region
    if tension is not None and region is not None:
        t_sectors = frozenset(tension.sectors_in(region)) - {Sector.TOUS_SECTEURS}
        t_romes = frozenset(tension.rome_codes_in(region))
    else:
        t_sectors, t_romes = frozenset(), frozenset()
        if tension is None:
            region = None
    return MatchContext(
        today=today,
        level=profile.level,
        target_level=profile.effective_target_level,
        literacy=profile.literacy,
        publics=publics,
        publics_bits=0 if publics is None else codes.publics_mask(publics),
        sectors=sectors,
        sectors_bits=codes.sector_mask(sectors),
        home=home,
        home_xyz=unit_xyz_scalar(home.lat, home.lon),
        max_distance_km=profile.effective_max_distance_km,
        max_travel_minutes=profile.max_travel_minutes,
        transport=profile.transport,
        remote_ok=profile.remote_ok,
        availability=None if profile.availability is None else merge_availability(profile.availability),
        available_from=available_from,
        window_end=available_from + timedelta(days=profile.start_within_days),
        start_within_days=profile.start_within_days,
        needs_childcare=profile.needs_childcare,
        region=region,
        region_name=_region_name(region),
        tension_sectors=t_sectors,
        tension_bits=codes.sector_mask(t_sectors),
        tension_romes=t_romes,
        seed=daily_seed(today),
    )


def _region_name(code: str | None) -> str | None:
    if code is None:
        return None
    from app.reference.communes import region_name

    return region_name(code)
