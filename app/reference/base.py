"""Reference lists are enums that carry a code, a French label and a description.

Declared once here and reused everywhere: pydantic validates request fields against them (an
unknown code is a 422 naming the field) and `GET /v1/reference/{name}` serves them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class RefEnum(StrEnum):
    """A str enum whose members are `(code, label, description, **extra)`."""

    label: str
    description: str
    extra: dict[str, Any]

    def __new__(cls, code: str, label: str, description: str = "", extra: dict[str, Any] | None = None):
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
