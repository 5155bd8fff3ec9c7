"""Reference lists (CONTRACT § Reference lists): codes and French labels, read by clients."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from app.api.deps import PUBLIC
from app.auth.keys import Principal
from app.reference.registry import ReferenceName, reference_items
from app.reference.schemas import ReferenceList

router = APIRouter(prefix="/v1/reference", tags=["reference"])


@router.get("/{name}", response_model=ReferenceList, summary="Une liste de référence (codes, libellés en français)")
def get_reference(name: ReferenceName, request: Request,
                  _: Annotated[Principal | None, Depends(PUBLIC)]) -> dict[str, Any]:
    tension = request.app.state.tension
    out: dict[str, Any] = {"items": reference_items(name, tension)}
    if name is ReferenceName.tension:
        out["meta"] = {"source": tension.source, "is_proxy": tension.is_proxy}
    return out
