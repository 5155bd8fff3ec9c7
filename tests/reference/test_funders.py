"""app.reference.funders.funder_from_lheo: LHÉO code-financeur per version."""

from __future__ import annotations

import pytest

from app.reference.funders import Funder, funder_from_lheo


@pytest.mark.parametrize(
    ("code", "version", "programme", "expected"),
    [
        ("19", "2.3", None, Funder.BOP104),
        ("19", "2.2", None, None),  # 19 does not exist in 2.2
        ("13", "2.2", "BOP 104", Funder.BOP104),
        ("13", "2.2", "Financement État programme 104 (intégration)", Funder.BOP104),
        ("13", "2.2", None, Funder.STATE_OTHER),
        ("13", "2.2", "Contrat d'intégration républicaine - OFII", Funder.OFII),
        ("16", "2.2", None, Funder.OPCO),
        ("16", "2.3", None, Funder.OPCO),
        ("17", "2.3", None, Funder.CPF),  # Transition Pro
        ("17", "2.2", None, Funder.OPCO),  # OPACIF
        ("20", "2.3", None, Funder.OFII),
        ("4", "2.3", None, Funder.FRANCE_TRAVAIL),
        ("04", "2.2", None, Funder.FRANCE_TRAVAIL),
        ("2", "2.3", None, Funder.REGION),
        ("99", "2.3", None, None),
    ],
)
def test_funder_from_lheo(code: str, version: str, programme: str | None, expected: Funder | None) -> None:
    assert funder_from_lheo(code, version, programme) is expected


def test_version_strings_starting_with_2_3_count_as_2_3() -> None:
    assert funder_from_lheo("19", "2.3.1") is Funder.BOP104
