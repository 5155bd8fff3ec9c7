"""Prescription and entry payloads (CONTRACT § Prescriptions)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)

from app.core.jsontypes import IsoDate, JsonInt
from app.prescriptions.states import Status
from app.reference.publics import Public
from app.reference.refusal_reasons import RefusalReason


def _unique(v: list) -> list:
    return list(dict.fromkeys(v))


# A pseudonymous identifier from the adviser's tool: no spaces and no "@", so neither a name nor
# an e-mail address fits in it.
JobseekerRef = Annotated[str, Field(
    min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/\-]*$",
    description="Identifiant pseudonyme de la personne dans l'outil du conseiller (jamais son nom).",
    examples=["FT-7Q2K9X"])]
Publics = Annotated[list[Public], Field(max_length=len(Public), description="Catégories (pour les indicateurs), "
                                        "pas l'identité : ex. cir_signatory, jobseeker."),
                    AfterValidator(_unique)]
SessionId = Annotated[JsonInt, Field(ge=1, le=2**62)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PrescriptionIn(Strict):
    session_id: SessionId
    jobseeker_ref: JobseekerRef
    publics: Publics = []
    note: str | None = Field(default=None, max_length=1000,
                             description="Message à l'organisme (sans donnée d'identité ni de santé).")


class PrescriptionPatch(Strict):
    status: Status
    reason: str | None = Field(default=None, min_length=1, max_length=2000,
                               description="Motif en clair (obligatoire pour un refus).")
    reason_code: RefusalReason | None = Field(default=None, description="Pour un refus : GET /v1/reference/refusal_reasons.")
    entered_on: IsoDate | None = Field(default=None, description="Pour `entered` : date d'entrée (défaut : aujourd'hui).")


class AdviserOut(BaseModel):
    name: str
    organisation: str | None
    contact: str | None


class EventOut(BaseModel):
    at: datetime
    from_status: Status | None
    to_status: Status
    role: str = Field(description="adviser | provider | sync | admin | system")
    by: str
    via: str = Field(description="api | entries | expiry")
    reason: str | None
    reason_code: str | None
    place_delta: int = Field(description="-1 : une place prise ; +1 : une place rendue ; 0 : aucune")


class PrescriptionOut(BaseModel):
    id: int
    code: str = Field(description="Code court que la personne présente à l'organisme (ex. K7MX-Q4TB).")
    status: Status
    session_id: int
    offer_id: int | None
    jobseeker_ref: str
    publics: list[str]
    note: str | None
    place_held: bool = Field(description="Une place de la session est retenue pour cette prescription.")
    expires_at: datetime = Field(description="Une prescription encore « pending » à cette date expire.")
    adviser: AdviserOut
    reason: str | None
    reason_code: str | None
    entered_on: date | None
    created_at: datetime
    updated_at: datetime
    version: int = Field(description="Change à chaque transition ; l'ETag est \"p{id}-v{version}\".")


class PrescriptionDetail(PrescriptionOut):
    history: list[EventOut] = Field(description="Journal des transitions, de la création à aujourd'hui.")


class PrescriptionPage(BaseModel):
    items: list[PrescriptionOut]
    next_cursor: str | None


# --- entries ---------------------------------------------------------------------------------------


class SessionRef(Strict):
    source: str = Field(min_length=1, max_length=60)
    offer_external_id: str = Field(min_length=1, max_length=120)
    session_external_id: str = Field(min_length=1, max_length=120)


class EntryIn(Strict):
    session_id: SessionId | None = None
    session_ref: SessionRef | None = None
    jobseeker_ref: JobseekerRef
    entered_on: IsoDate
    publics: Publics = []

    @model_validator(mode="after")
    def _one_session(self) -> EntryIn:
        if (self.session_id is None) == (self.session_ref is None):
            raise ValueError("donner soit session_id, soit session_ref (et pas les deux)")
        return self


class InvalidEntry:
    """One entry of a batch that did not validate: answered `error`, the others still go through."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors

    @property
    def detail(self) -> str:
        parts = []
        for e in self.errors[:3]:
            loc = ".".join(str(x) for x in e.get("loc", ()) if x != "function-after[_one_session(), EntryIn]")
            parts.append(f"{loc} : {e.get('msg')}" if loc else str(e.get("msg")))
        return "Entrée invalide — " + " ; ".join(parts)


def _per_entry(value: Any, handler: ValidatorFunctionWrapHandler) -> EntryIn | InvalidEntry:
    try:
        return handler(value)
    except ValidationError as exc:
        return InvalidEntry(exc.errors(include_url=False, include_context=False, include_input=False))


class EntriesIn(Strict):
    entries: list[Annotated[EntryIn, WrapValidator(_per_entry)]] = Field(min_length=1, max_length=1000)


class EntryResult(BaseModel):
    outcome: Literal["entered", "recorded", "duplicate", "error"]
    prescription_id: int | None = None
    detail: str | None = None


class EntriesOut(BaseModel):
    results: list[EntryResult]
