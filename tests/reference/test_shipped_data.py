"""The shipped reference CSVs are what seed/build_reference.py builds from the raw sources.

The raw sources live in `shared/data/ref/` beside the repository (developers and CI have it; the
installed package does not need it). Without it the comparison cannot run and is skipped.
"""

from __future__ import annotations

import importlib.util
import sys
from importlib import resources
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REF = ROOT.parent / "shared" / "data" / "ref"
SHIPPED = ("communes.csv", "departements.csv", "rome_v4.csv", "sectors_rome.csv", "tension_default.csv")


def _data(name: str) -> bytes:
    return resources.files("app.reference").joinpath("data", name).read_bytes()


def test_shipped_files_are_compact() -> None:
    assert len(_data("communes.csv")) < 2_500_000
    total = sum(len(_data(name)) for name in SHIPPED)
    assert total < 3_000_000


@pytest.mark.skipif(not REF.is_dir(), reason=f"raw reference data not found at {REF} (shared/ is not beside "
                                             "the repository); cannot rebuild the shipped CSVs to compare")
def test_shipped_files_are_up_to_date() -> None:
    spec = importlib.util.spec_from_file_location("build_reference", ROOT / "seed" / "build_reference.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
        files, _ = module.build_all(REF)
    finally:
        del sys.modules[spec.name]
    assert sorted(files) == sorted(SHIPPED)
    for name, text in files.items():
        assert _data(name) == text.encode("utf-8"), (
            f"app/reference/data/{name} is stale: run .venv/bin/python seed/build_reference.py")
