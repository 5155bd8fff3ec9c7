"""Prescriptions and entries (CONTRACT § Prescriptions): parse, authorise, call the service, answer.

Each write runs in its own unit of work opened here, committed before the answer leaves, so a
201 is never sent for something that did not commit."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from sqlmodel import Session

from app.api.deps import ADVISERS, WRITERS, Access, DatabaseDep, ReadDB, SettingsDep
from app.api.params import Id
from app.auth.keys import Principal
from app.prescriptions import service
from app.prescriptions.idempotency import HEADER as IDEMPOTENCY_HEADER
from app.prescriptions.idempotency import Outcome, run_idempotent
from app.prescriptions.schemas import (
    EntriesIn,
    EntriesOut,
    EntryIn,
    PrescriptionDetail,
    PrescriptionIn,
    PrescriptionOut,
    PrescriptionPage,
    PrescriptionPatch,
)
from app.prescriptions.states import Status
from app.reference.roles import Role

router = APIRouter(prefix="/v1", tags=["prescriptions"])

PRESCRIPTION_PARTIES = Access(Role.ADVISER, Role.PROVIDER, Role.ADMIN)
IdempotencyKey = Annotated[str | None, Header(alias=IDEMPOTENCY_HEADER, max_length=200,
                                              description="Rejouer la même requête sans second effet.")]
IfMatch = Annotated[str | None, Header(alias="If-Match", description="ETag lu : 412 si la prescription a changé.")]

_PROBLEM = {"content": {"application/problem+json": {}}}


def _answer(outcome: Outcome, headers: dict[str, str] | None = None) -> JSONResponse:
    headers = dict(headers or {})
    if outcome.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(outcome.body, status_code=outcome.status_code, headers=headers)


def _etag_headers(body: Any) -> dict[str, str]:
    if isinstance(body, dict) and "id" in body and "version" in body:
        return {"ETag": service.etag_of(body["id"], body["version"])}
    return {}


@router.post(
    "/prescriptions", status_code=201, response_model=PrescriptionOut, summary="Prescrire une session (retient une place)",
    responses={409: {"description": "session_full, session_not_open, already_prescribed, already_entered", **_PROBLEM},
               422: {"description": "Corps invalide, ou clé d'idempotence réutilisée avec un autre corps", **_PROBLEM}},
)
def create_prescription(
    body: Annotated[PrescriptionIn, Body()],
    request: Request,
    database: DatabaseDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(ADVISERS)],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    def work(db: Session) -> tuple[int, Any]:
        return 201, service.prescribe(db, principal, body, ttl_days=settings.prescription_ttl_days).model_dump(mode="json")

    outcome = run_idempotent(database, api_key_id=principal.key_id, route=f"POST {request.url.path}",
                             key=idempotency_key, payload=body.model_dump(mode="json"), work=work)
    headers = _etag_headers(outcome.body)
    if outcome.status_code == 201:
        headers["Location"] = f"/v1/prescriptions/{outcome.body['id']}"
    return _answer(outcome, headers)


@router.get("/prescriptions", response_model=PrescriptionPage,
            summary="Mes prescriptions (conseiller), celles de mes sessions (organisme), toutes (admin)")
def list_prescriptions(
    db: ReadDB,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(PRESCRIPTION_PARTIES)],
    status: Status | None = None,
    session_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    code: Annotated[str | None, Query(max_length=20, description="Code présenté par la personne, ex. K7MX-Q4TB")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
) -> PrescriptionPage:
    return service.list_prescriptions(db, principal, status=status, session_id=session_id, code=code,
                                      cursor_key=settings.cursor_key, cursor=cursor, limit=limit)


@router.get("/prescriptions/{prescription_id}", response_model=PrescriptionDetail,
            summary="Une prescription et son journal", responses={404: _PROBLEM})
def get_prescription(prescription_id: Id, db: ReadDB,
                     principal: Annotated[Principal, Depends(PRESCRIPTION_PARTIES)]) -> JSONResponse:
    p = service.get_in_scope(db, principal, prescription_id)
    return JSONResponse(service.to_detail(db, p).model_dump(mode="json"), headers={"ETag": service.etag(p)})


@router.patch(
    "/prescriptions/{prescription_id}", response_model=PrescriptionOut,
    summary="Accepter, refuser, annuler, déclarer l'entrée",
    responses={404: _PROBLEM, 409: {"description": "transition_not_allowed, already_entered", **_PROBLEM},
               412: {"description": "If-Match périmé", **_PROBLEM}},
)
def patch_prescription(
    prescription_id: Id,
    body: Annotated[PrescriptionPatch, Body()],
    request: Request,
    database: DatabaseDep,
    principal: Annotated[Principal, Depends(PRESCRIPTION_PARTIES)],
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    def work(db: Session) -> tuple[int, Any]:
        return 200, service.change_status(db, principal, prescription_id, body, if_match).model_dump(mode="json")

    outcome = run_idempotent(database, api_key_id=principal.key_id, route=f"PATCH {request.url.path}",
                             key=idempotency_key, payload=body.model_dump(mode="json"), work=work)
    return _answer(outcome, _etag_headers(outcome.body))


def _entries_payload(body: EntriesIn) -> list[Any]:
    return [e.model_dump(mode="json") if isinstance(e, EntryIn) else {"invalid": e.detail} for e in body.entries]


@router.post(
    "/entries", response_model=EntriesOut, response_model_exclude_none=True,
    summary="Entrées en formation (flux Kairos) : une réponse par entrée",
)
def post_entries(
    body: Annotated[EntriesIn, Body()],
    request: Request,
    database: DatabaseDep,
    principal: Annotated[Principal, Depends(WRITERS)],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    def work(db: Session) -> tuple[int, Any]:
        results = service.record_entries(db, principal, body.entries)
        return 200, {"results": [r.model_dump(exclude_none=True) for r in results]}

    outcome = run_idempotent(database, api_key_id=principal.key_id, route=f"POST {request.url.path}",
                             key=idempotency_key, payload=_entries_payload(body), work=work)
    return _answer(outcome)
