"""app.reference.publics.expand_publics: categories a person implies."""

from __future__ import annotations

import pytest

from app.reference.publics import Public, expand_publics


def test_cir_signatory_and_bpi_count_as_immigrant() -> None:
    assert expand_publics([Public.CIR_SIGNATORY]) == {Public.CIR_SIGNATORY, Public.IMMIGRANT}
    assert expand_publics(["bpi"]) == {Public.BPI, Public.IMMIGRANT}
    assert expand_publics(["bpi", "cir_signatory", "women"]) == {
        Public.BPI, Public.CIR_SIGNATORY, Public.IMMIGRANT, Public.WOMEN}


def test_other_publics_imply_nothing() -> None:
    assert expand_publics(["jobseeker", "rsa"]) == {Public.JOBSEEKER, Public.RSA}
    assert expand_publics(["immigrant"]) == {Public.IMMIGRANT}
    assert expand_publics([]) == set()


def test_unknown_public_is_refused() -> None:
    with pytest.raises(ValueError):
        expand_publics(["martian"])
