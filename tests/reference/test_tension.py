"""app.reference.tension: the shipped proxy and administrators' files."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.reference.sectors import Sector
from app.reference.tension import HEADER, TensionList, default_tension, load_tension

HEAD = ";".join(HEADER) + "\n"


def _write(tmp_path: Path, text: str | bytes, name: str = "tension.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def test_default_list_loads_and_is_a_proxy() -> None:
    t = load_tension()
    assert isinstance(t, TensionList)
    assert t.is_proxy
    assert "proxy DARES 2019" in t.source and "pas la liste légale" in t.source
    assert t.origin == "tension_default.csv"
    assert t.unknown_rome_codes == frozenset()
    assert default_tension() is default_tension()


def test_ile_de_france_has_sectors_and_codes() -> None:
    t = default_tension()
    sectors = t.sectors_in("11")
    assert sectors
    assert Sector.TOUS_SECTEURS not in sectors
    assert Sector.BTP in sectors
    listed = t.listed_rome_codes_in("11")
    assert listed and listed <= t.rome_codes_in("11")
    assert len(t.rome_codes_in("11")) > len(listed)  # ROME v4 codes attached to the listed ones
    assert t.sectors_in("06") == frozenset()  # Mayotte: no DARES data
    assert t.rome_codes_in("99") == frozenset()


def test_items_one_per_region() -> None:
    items = default_tension().items()
    assert [i["code"] for i in items][:6] == ["01", "02", "03", "04", "06", "11"]
    assert len(items) == 18
    idf = next(i for i in items if i["code"] == "11")
    assert idf["label"] == "Île-de-France"
    assert idf["sectors"] and idf["rome_codes"] == sorted(idf["rome_codes"])
    assert "proxy" in idf["description"]
    assert set(idf) == {"code", "label", "description", "sectors", "rome_codes"}
    mayotte = next(i for i in items if i["code"] == "06")
    assert mayotte["sectors"] == [] and mayotte["rome_codes"] == []


def test_administrator_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "\ufeff" + HEAD
                  + "11;K1302;;Assistant de vie;arrêté du 21 mai 2025\n"
                  + "\n"
                  + "11;f1703;btp;Maçon;arrêté du 21 mai 2025\n"
                  + "11;K1302;;doublon;arrêté du 21 mai 2025\n"
                  + "94;N4101;transport|logistique;Poids lourd;arrêté du 21 mai 2025\n")
    t = load_tension(path)
    assert not t.is_proxy
    assert t.source == "arrêté du 21 mai 2025"
    assert t.listed_rome_codes_in("11") == {"K1302", "F1703"}
    assert {"K1302", "K1306", "K1311", "F1703", "F1707"} <= t.rome_codes_in("11")
    assert t.sectors_in("11") == {Sector.SERVICES_A_LA_PERSONNE, Sector.BTP}
    assert t.sectors_in("94") == {Sector.TRANSPORT, Sector.LOGISTIQUE}
    assert t.is_in_tension("11", "k1311")
    assert not t.is_in_tension("94", "K1302")
    assert len(t.entries) == 3
    assert load_tension(str(path)).entries == t.entries


def test_unknown_but_well_formed_rome_code_is_kept_and_reported(tmp_path: Path) -> None:
    t = load_tension(_write(tmp_path, HEAD + "11;K1399;;;arrêté\n"))
    assert t.unknown_rome_codes == {"K1399"}
    assert "K1399" in t.rome_codes_in("11")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("", 1, "empty file"),
        ("region,rome_code,sector,label,source\n11,K1302,,,x\n", 1, "bad header"),
        ("region;rome;sector;label;source\n", 1, "bad header"),
        (HEAD, 1, "no (région, ROME code) line"),
        (HEAD + "11;K1302;;;x\n11;K1303;;x\n", 3, "4 fields"),
        (HEAD + "11;K1302;;;x\n\n82;K1302;;;x\n", 4, "unknown région code '82'"),
        (HEAD + "11;K1302;;;x\n1;K1302;;;x\n", 3, "unknown région code '1'"),
        (HEAD + "11;K13020;;;x\n", 2, "bad ROME code"),
        (HEAD + "11;Z1302;;;x\n", 2, "bad ROME code"),
        (HEAD + "11;;;;x\n", 2, "bad ROME code"),
        (HEAD + "11;K1302;aide_a_domicile;;x\n", 2, "unknown sector 'aide_a_domicile'"),
    ],
)
def test_bad_files_raise_with_the_line_number(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ValueError) as exc:
        load_tension(path)
    assert f"line {line}:" in str(exc.value)
    assert message in str(exc.value)
    assert str(path) in str(exc.value)


def test_not_utf8_raises_with_the_line_number(tmp_path: Path) -> None:
    path = _write(tmp_path, (HEAD + "11;K1302;;Aide à domicile;x\n").encode("cp1252"))
    with pytest.raises(ValueError, match=r"line 2: not UTF-8"):
        load_tension(path)


def test_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_tension(tmp_path / "absent.csv")
