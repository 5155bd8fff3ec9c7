"""app.reference.communes: lookups on the shipped communes table."""

from __future__ import annotations

import pytest

from app.reference import communes
from app.reference.communes import Commune


def test_saint_denis_by_insee() -> None:
    c = communes.by_insee("93066")
    assert isinstance(c, Commune)
    assert c.name == "Saint-Denis"
    assert (c.departement, c.departement_name) == ("93", "Seine-Saint-Denis")
    assert (c.region, c.region_name) == ("11", "Île-de-France")
    assert c.lat == pytest.approx(48.9268, abs=1e-4)
    assert c.lon == pytest.approx(2.3657, abs=1e-4)
    assert c.postcode == "93200" and c.postcodes == ("93200", "93210")
    assert c.population is not None and c.population > 100_000
    assert c.coord_source == "centroid"


def test_codes_are_normalised() -> None:
    assert communes.by_insee(" 93066 ") == communes.by_insee("93066")
    corsica = communes.by_insee("2a004")
    assert corsica is not None and corsica.name == "Ajaccio" and corsica.departement == "2A"


def test_unknown_codes_give_none() -> None:
    assert communes.by_insee("99999") is None
    assert communes.by_insee("") is None
    assert communes.by_postcode("00000") is None
    assert communes.postcode_is_shared("00000") is False
    assert communes.region_name("99") is None
    assert communes.departement_name("999") is None
    with pytest.raises(KeyError):
        communes.departement_centre("999")


def test_paris_postcode_gives_the_arrondissement() -> None:
    c = communes.by_postcode("75011")
    assert c is not None
    assert (c.insee, c.name) == ("75111", "Paris 11e Arrondissement")
    assert not communes.postcode_is_shared("75011")  # Paris as a whole (75056) is not counted
    assert communes.by_postcode("75116").insee == "75116"


def test_plm_parents_are_kept_but_not_in_all_communes() -> None:
    paris = communes.by_insee("75056")
    assert paris is not None and paris.coord_source == "arrondissements"
    assert len(paris.postcodes) == 21
    codes = {c.insee for c in communes.all_communes()}
    assert {"75056", "69123", "13055"}.isdisjoint(codes)
    assert {"75111", "69381", "13201"} <= codes
    every = {c.insee for c in communes.all_communes(include_plm_parents=True)}
    assert every == codes | {"75056", "69123", "13055"}


def test_shared_postcode_returns_the_most_populous_commune() -> None:
    assert communes.postcode_is_shared("85140")
    shared = communes.communes_for_postcode("85140")
    assert len(shared) >= 2
    populations = [c.population or 0 for c in shared]
    assert populations == sorted(populations, reverse=True)
    best = communes.by_postcode("85140")
    assert best == shared[0]
    assert best.population == max(populations)
    assert best.name == "Essarts-en-Bocage"
    # A big city against a small neighbour.
    assert communes.by_postcode("59160").name == "Lille"


def test_communes_without_coordinates_get_the_departement_centre() -> None:
    for code, dep in (("60694", "60"), ("85165", "85"), ("85212", "85")):
        c = communes.by_insee(code)
        assert c is not None
        assert c.coord_source == "departement_centre"
        lat, lon = communes.departement_centre(dep)
        assert (c.lat, c.lon) == pytest.approx((lat, lon), abs=2e-5)
    placed = [c for c in communes.all_communes() if c.coord_source == "departement_centre"]
    assert sorted(c.insee for c in placed) == ["60694", "85165", "85212"]


def test_departement_centre_is_population_weighted() -> None:
    lat, lon = communes.departement_centre("93")
    members = [c for c in communes.all_communes() if c.departement == "93"]
    total = sum(c.population for c in members)
    assert lat == pytest.approx(sum(c.lat * c.population for c in members) / total, abs=1e-5)
    assert lon == pytest.approx(sum(c.lon * c.population for c in members) / total, abs=1e-5)
    # Paris: the weighted mean of its arrondissements, the same as the PLM parent's position.
    paris = communes.by_insee("75056")
    assert communes.departement_centre("75") == pytest.approx((paris.lat, paris.lon), abs=1e-4)


def test_mayotte_population_is_unknown_not_zero() -> None:
    mayotte = [c for c in communes.all_communes() if c.departement == "976"]
    assert len(mayotte) == 17
    assert all(c.population is None for c in mayotte)
    assert communes.region_name("06") == "Mayotte"
    lat, lon = communes.departement_centre("976")  # plain mean when no population is known
    assert -13.1 < lat < -12.6 and 45.0 < lon < 45.3


def test_every_commune_is_complete() -> None:
    everything = communes.all_communes(include_plm_parents=True)
    assert len(everything) == 34_979
    deps = communes.departements()
    regions = communes.regions()
    for c in everything:
        assert c.postcode == c.postcodes[0]
        assert deps[c.departement] == (c.departement_name, c.region)
        assert regions[c.region] == c.region_name
        assert -90 <= c.lat <= 90 and -180 <= c.lon <= 180
        assert c.population is None or c.population >= 0
        assert c.coord_source in {"centroid", "arrondissements", "departement_centre"}


def test_regions_and_departements() -> None:
    regions = communes.regions()
    assert len(regions) == 18
    assert regions["11"] == "Île-de-France" and regions["94"] == "Corse"
    assert list(regions) == sorted(regions)
    deps = communes.departements()
    assert len(deps) == 101
    assert deps["93"] == ("Seine-Saint-Denis", "11")
    assert communes.departement_name("2b") == "Haute-Corse"
    assert communes.region_name("84") == "Auvergne-Rhône-Alpes"


def test_commune_is_frozen() -> None:
    c = communes.by_insee("93066")
    with pytest.raises(AttributeError):
        c.name = "x"  # type: ignore[misc]
