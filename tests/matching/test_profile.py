"""Profile validation (422 naming the field) and home resolution."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from app.core.clock import paris_today
from app.matching.profile import (
    DEFAULT_MAX_DISTANCE_KM,
    Home,
    MatchRequest,
    Profile,
    UnknownCommune,
    resolve_home,
)
from app.reference.levels import Level

BASE = {"level": "A1", "home": {"insee": "93066"}}


def _locs(exc: ValidationError) -> list[tuple]:
    return [tuple(e["loc"]) for e in exc.errors()]


@pytest.mark.parametrize(
    ("patch", "loc"),
    [
        ({"level": "A3"}, ("profile", "level")),
        ({"level": None}, ("profile", "level")),
        ({"home": None}, ("profile", "home")),
        ({"literacy": "some"}, ("profile", "literacy")),
        ({"target_level": "Z9"}, ("profile", "target_level")),
        ({"permit_goal": "visa"}, ("profile", "permit_goal")),
        ({"sectors": ["btp", "astronautique"]}, ("profile", "sectors", 1)),
        ({"max_distance_km": -1}, ("profile", "max_distance_km")),
        ({"max_travel_minutes": 0}, ("profile", "max_travel_minutes")),
        ({"transport": "horse"}, ("profile", "transport")),
        ({"availability": [{"day": "mon", "start": "14:00", "end": "09:00"}]}, ("profile", "availability", 0)),
        ({"availability": [{"day": "mon", "start": "25:00", "end": "26:00"}]},
         ("profile", "availability", 0, "start")),
        ({"availability": [{"day": "lundi", "start": "09:00", "end": "12:00"}]},
         ("profile", "availability", 0, "day")),
        ({"start_within_days": -3}, ("profile", "start_within_days")),
        ({"available_from": "2026-02-30"}, ("profile", "available_from")),
        ({"publics": ["martian"]}, ("profile", "publics", 0)),
        ({"publics": ["all"]}, ("profile", "publics")),
        ({"nickname": "x"}, ("profile", "nickname")),
        ({"home": {"insee": "93066", "postcode": "93200"}}, ("profile", "home")),
        ({"home": {}}, ("profile", "home")),
        ({"home": {"lat": 48.9}}, ("profile", "home")),
        ({"home": {"lat": 91, "lon": 2}}, ("profile", "home", "lat")),
        ({"home": {"insee": "9A066"}}, ("profile", "home", "insee")),
        ({"level": "B1", "target_level": "A2"}, ("profile",)),
    ],
)
def test_invalid_profiles_name_the_field(patch: dict, loc: tuple) -> None:
    body = {"profile": {**BASE, **patch}}
    body["profile"] = {k: v for k, v in body["profile"].items() if v is not None}
    with pytest.raises(ValidationError) as exc:
        MatchRequest.model_validate(body)
    assert loc in _locs(exc.value), _locs(exc.value)


@pytest.mark.parametrize("limit", [0, 201, -1])
def test_limit_bounds(limit: int) -> None:
    with pytest.raises(ValidationError) as exc:
        MatchRequest.model_validate({"profile": BASE, "limit": limit})
    assert ("limit",) in _locs(exc.value)


def test_defaults() -> None:
    req = MatchRequest.model_validate({"profile": BASE})
    p = req.profile
    assert req.limit == 20
    assert p.transport == "public_transport" and p.remote_ok is False
    assert p.availability is None and p.publics is None and p.literacy is None
    assert p.available_from is None  # resolved at match time, not at import
    assert p.start_within_days == 90
    assert p.effective_max_distance_km == DEFAULT_MAX_DISTANCE_KM


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        ({}, 20.0),
        ({"max_travel_minutes": 45}, None),  # then only the travel limit applies
        ({"max_distance_km": 5}, 5.0),
        ({"max_distance_km": 5, "max_travel_minutes": 45}, 5.0),
        ({"max_distance_km": 0}, 0.0),
    ],
)
def test_effective_distance_limit(patch: dict, expected: float | None) -> None:
    assert Profile.model_validate({**BASE, **patch}).effective_max_distance_km == expected


@pytest.mark.parametrize(
    ("patch", "target"),
    [
        ({}, Level.A2),  # next level
        ({"level": "A0"}, Level.A1_1),
        ({"level": "C2"}, Level.C2),
        ({"permit_goal": "csp"}, Level.A2),
        ({"permit_goal": "resident"}, Level.B1),
        ({"permit_goal": "naturalisation"}, Level.B2),
        ({"permit_goal": "naturalisation", "target_level": "B1"}, Level.B1),  # explicit wins
    ],
)
def test_target_level(patch: dict, target: Level) -> None:
    assert Profile.model_validate({**BASE, **patch}).effective_target_level is target


def test_resolve_home_by_code_and_coordinates() -> None:
    by_insee = resolve_home(Home(insee="93066"))
    assert by_insee.label == "Saint-Denis" and by_insee.region == "11"
    by_postcode = resolve_home(Home(postcode="93200"))
    assert by_postcode.label == "Saint-Denis"
    by_point = resolve_home(Home(lat=45.76, lon=4.84))  # Lyon
    assert by_point.label is None and by_point.region == "84"
    assert (by_point.lat, by_point.lon) == (45.76, 4.84)
    at_sea = resolve_home(Home(lat=45.0, lon=-10.0))
    assert at_sea.region is None


@pytest.mark.parametrize(
    ("home", "loc"),
    [
        (Home(insee="99999"), ("body", "profile", "home", "insee")),
        (Home(postcode="00000"), ("body", "profile", "home", "postcode")),
    ],
)
def test_unknown_commune(home: Home, loc: tuple) -> None:
    with pytest.raises(UnknownCommune) as exc:
        resolve_home(home)
    assert exc.value.loc == loc
    assert "inconnu" in exc.value.msg


def test_paris_today_is_a_date() -> None:
    assert isinstance(paris_today(), date)
