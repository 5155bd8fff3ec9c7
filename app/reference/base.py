"""Reference lists are enums that carry a code, a French label and a description.

Declared once here and reused everywhere: pydantic validates request fields against them (an
unknown code is a 422 naming the field) and `GET /v1/reference/{name}` serves them.
"""

from __future__ import annotations

from enum import Enum
from typing import Any


class RefEnum(str, Enum):
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

    def __str__(self) -> str:  # so f-strings and logs show the code
        return self.value

    @classmethod
    def codes(cls) -> list[str]:
        return [m.value for m in cls]

    @classmethod
    def items(cls) -> list[dict[str, Any]]:
        return [{"code": m.value, "label": m.label, "description": m.description, **m.extra} for m in cls]
