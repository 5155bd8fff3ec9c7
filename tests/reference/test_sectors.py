"""app.reference.sectors: the shipped sector -> ROME table."""

from __future__ import annotations

import csv
from importlib import resources

from app.reference.sectors import Sector, sector_rome_codes, sectors_for_rome


def _rome_v4() -> dict[str, str]:
    with resources.files("app.reference").joinpath("data", "rome_v4.csv").open(encoding="utf-8") as fh:
        return {row["rome_code"]: row["rome_label"] for row in csv.DictReader(fh)}


def test_aide_a_domicile_is_services_a_la_personne() -> None:
    assert Sector.SERVICES_A_LA_PERSONNE in sectors_for_rome("K1302")
    assert Sector.SERVICES_A_LA_PERSONNE in sectors_for_rome(" k1303 ")  # garde d'enfant


def test_some_well_known_codes() -> None:
    assert sectors_for_rome("J1501") == {Sector.SANTE, Sector.SERVICES_A_LA_PERSONNE}  # aide-soignant
    assert sectors_for_rome("K2204") == {Sector.PROPRETE}
    assert sectors_for_rome("K2503") == {Sector.SECURITE_PRIVEE}
    assert sectors_for_rome("F1703") == {Sector.BTP}  # maçon
    assert sectors_for_rome("G1602") == {Sector.HOTELLERIE_RESTAURATION}  # commis de cuisine
    assert sectors_for_rome("N1103") == {Sector.LOGISTIQUE}  # préparateur de commandes
    assert sectors_for_rome("N4101") == {Sector.TRANSPORT}  # poids lourd
    assert sectors_for_rome("D1505") == {Sector.COMMERCE}  # hôte de caisse
    assert sectors_for_rome("M1805") == {Sector.NUMERIQUE}
    assert sectors_for_rome("A1414") == {Sector.AGRICULTURE}
    assert sectors_for_rome("H2913") == {Sector.INDUSTRIE}  # soudeur
    assert {Sector.AGROALIMENTAIRE, Sector.COMMERCE} <= sectors_for_rome("D1101")  # boucher
    assert sectors_for_rome("K2501") == frozenset()  # gardien d'immeuble is not sécurité privée
    assert sectors_for_rome("Z9999") == frozenset()


def test_every_sector_but_tous_secteurs_has_codes() -> None:
    table = sector_rome_codes()
    for sector in Sector:
        if sector is Sector.TOUS_SECTEURS:
            assert table[sector] == ()
        else:
            assert table[sector], f"{sector} covers no ROME code"


def test_every_code_exists_in_rome_v4_60_with_its_label() -> None:
    rome = _rome_v4()
    assert len(rome) == 1584
    with resources.files("app.reference").joinpath("data", "sectors_rome.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    for row in rows:
        assert row["rome_code"] in rome, row
        assert row["rome_label"] == rome[row["rome_code"]]
        Sector(row["sector"])
    assert len({(r["sector"], r["rome_code"]) for r in rows}) == len(rows)
