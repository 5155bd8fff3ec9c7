from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from app.api.deps import PUBLIC
from app.auth.keys import Principal
from app.reference.registry import ReferenceName, reference_items

router = APIRouter(prefix="/v1/reference", tags=["reference"])


class ReferenceItem(BaseModel):
    model_config = {"extra": "allow"}
    code: str
    label: str
    description: str


class ReferenceList(BaseModel):
    items: list[ReferenceItem]
    meta: dict[str, Any] | None = None


@router.get("/{name}", response_model=ReferenceList, summary="Une liste de référence (codes, libellés en français)")
def get_reference(name: ReferenceName, request: Request,
                  _: Annotated[Principal | None, Depends(PUBLIC)]) -> dict[str, Any]:
    tension = request.app.state.tension
    out: dict[str, Any] = {"items": reference_items(name, tension)}
    if name is ReferenceName.tension:
        out["meta"] = {"source": tension.source, "is_proxy": tension.is_proxy}
    return out
