"""What `GET /v1/reference/{name}` answers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ReferenceItem(BaseModel):
    model_config = {"extra": "allow"}
    code: str
    label: str
    description: str


class ReferenceList(BaseModel):
    items: list[ReferenceItem]
    meta: dict[str, Any] | None = None
