"""data/lists.toml holds the words of the reference enums: one entry per code, nothing else."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import app.reference
from app.reference.base import RefEnum, reference_texts


def _enums() -> dict[str, type[RefEnum]]:
    for module in pkgutil.iter_modules(app.reference.__path__):
        importlib.import_module(f"app.reference.{module.name}")
    out: dict[str, type[RefEnum]] = {}
    stack = list(RefEnum.__subclasses__())
    while stack:
        cls = stack.pop()
        if cls.__module__.startswith("app."):  # not the made-up ones below
            out[cls.__name__] = cls
        stack.extend(cls.__subclasses__())
    return out


@pytest.mark.parametrize("name", sorted(reference_texts()))
def test_every_entry_is_a_code_of_its_enum_in_order(name: str) -> None:
    enums = _enums()
    assert name in enums, f"lists.toml: [{name}] names no RefEnum of app/reference/"
    assert list(reference_texts()[name]) == enums[name].codes()


def test_every_entry_has_a_label() -> None:
    for name, entries in reference_texts().items():
        for code, entry in entries.items():
            assert isinstance(entry.get("label"), str) and entry["label"], (name, code)


def test_a_code_without_words_fails_at_declaration() -> None:
    with pytest.raises(Exception, match="no entry for Kind 'nope'"):
        class Kind(RefEnum):  # noqa: F841 - same name as the real one, another code
            NOPE = "nope"


def test_words_given_inline_are_kept() -> None:
    class Inline(RefEnum):
        ONE = ("one", "Un", "Le premier.", {"rank": 1})
        TWO = ("two", "Deux")

    assert Inline.items() == [
        {"code": "one", "label": "Un", "description": "Le premier.", "rank": 1},
        {"code": "two", "label": "Deux", "description": ""},
    ]
