"""Reference lists are enums that carry a code, a French label and a description.

Declared once here and reused everywhere: pydantic validates request fields against them (an
unknown code is a 422 naming the field) and `GET /v1/reference/{name}` serves them.

An enum of app/reference/ declares its codes only: `FLE_PRO = auto()` is the code "fle_pro" (the
name in lower case, as for any StrEnum), `A1_1 = "A1.1"` a code written out. The words — label,
description and any extra field served with them — are in `data/lists.toml`, under the class
name. A member may still give them inline, as `(code, label, description, extra)`.
"""

from __future__ import annotations

import tomllib
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

LISTS_FILE = "lists.toml"


@cache
def reference_texts() -> dict[str, dict[str, dict[str, Any]]]:
    """`data/lists.toml`: class name → code → {"label", "description"?, extra fields...}."""
    with resources.files("app.reference").joinpath("data", LISTS_FILE).open("rb") as fh:
        return tomllib.load(fh)


def _texts_of(enum_name: str, code: str) -> tuple[str, str, dict[str, Any]]:
    try:
        entry = dict(reference_texts()[enum_name][code])
    except KeyError:
        raise LookupError(f"app/reference/data/{LISTS_FILE} has no entry for {enum_name} {code!r}") from None
    label = entry.pop("label")
    return label, entry.pop("description", ""), entry


class RefEnum(StrEnum):
    """A str enum whose members are codes, with `label`, `description` and `extra` (a dict)."""

    label: str
    description: str
    extra: dict[str, Any]

    def __new__(cls, code: str, label: str | None = None, description: str = "",
                extra: dict[str, Any] | None = None):
        if label is None:
            label, description, extra = _texts_of(cls.__name__, code)
        obj = str.__new__(cls, code)
        obj._value_ = code
        obj.label = label
        obj.description = description
        obj.extra = extra or {}
        return obj

    @classmethod
    def codes(cls) -> list[str]:
        return [m.value for m in cls]

    @classmethod
    def items(cls) -> list[dict[str, Any]]:
        return [{"code": m.value, "label": m.label, "description": m.description, **m.extra} for m in cls]
