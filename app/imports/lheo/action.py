"""One FLE `action` → one offer (`ParsedOffer`), or `Rejected` when `OfferIn` refuses what it maps to.

`map_action` reads the action's elements once (`ChildIndex`) and maps them by what they say: who
pays (funders), what is taught to whom (kind, CEFR levels, literacy, sectors), how (modality,
hours, weekly schedule), who may enter (publics, audience, recruitment perimeter), at what cost
(cost, childcare), where (the first usable place) and when (its sessions, `app.imports.lheo.sessions`).
The rules are the pure functions of `app.imports.lheo.rules`. Warnings are appended in that order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from app.catalogue.schemas import OfferIn
from app.imports.items import ParsedOffer, Rejected
from app.imports.lheo.elements import ChildIndex, Finder, modified_at
from app.imports.lheo.rules.codes import sectors
from app.imports.lheo.rules.conditions import childcare, cost_to_learner
from app.imports.lheo.rules.dates import latest
from app.imports.lheo.rules.funders import FunderLine, funded_places, funders_from_lheo
from app.imports.lheo.rules.kind import offer_kind
from app.imports.lheo.rules.levels import entry_level, target_level
from app.imports.lheo.rules.literacy import literacy_accepted
from app.imports.lheo.rules.place import location, modality
from app.imports.lheo.rules.publics import audience, publics_from_text
from app.imports.lheo.rules.schedule import hours, parse_schedule
from app.imports.lheo.rules.text import clean_text, parse_int
from app.imports.lheo.sessions import map_sessions
from app.reference.catalogue_codes import Kind, Modality
from app.reference.funders import Funder

Fields = dict[str, object]  # what `OfferIn` validates


@dataclass(slots=True)
class FormationFacts:
    """What the formation says, read once for all its actions."""

    version: str
    formation_id: str | None
    title: str | None
    objective: str | None
    content: str | None
    summary: str | None
    formacodes: list[str]
    rome_codes: list[str]
    organisation: dict[str, object] | None
    certification: str | None
    stamp: datetime | None
    warnings: list[str]  # each action's warnings start with these


def map_action(action: Any, ref: str, f: FormationFacts, warnings: list[str], finder: Finder, today: date,
               raw: Callable[[], str]) -> ParsedOffer | Rejected:
    """Map one action of the formation `f`; `warnings` (the action's own list) receives what is noticed,
    `raw()` gives its raw source."""
    kids = ChildIndex(finder, action)
    funder_lines = _funder_lines(kids, finder)
    funders, w = funders_from_lheo(funder_lines, f.version)
    warnings += w
    public_codes = [c for c in kids.texts("code-public-vise") if c]
    info_public = clean_text(kids.text("info-public-vise"))
    conditions = clean_text(kids.text("conditions-specifiques"))
    rythme = clean_text(kids.text("rythme-formation"))
    fields: Fields = {
        "summary": f.summary, "organisation": f.organisation, "funders": funders, "rome_codes": f.rome_codes,
        "formacodes": f.formacodes, "certification": f.certification,
        "formation_id": f.formation_id[:120] if f.formation_id else None,
    }
    kind = _kind_and_levels(fields, f, public_codes, funders, conditions, info_public, warnings)
    mod, schedule = _teaching(fields, kids, rythme, warnings)
    _who_may_enter(fields, f, kids, kind, public_codes, funder_lines, conditions, info_public, warnings)
    fields["cost_to_learner"] = cost_to_learner(
        frais_restants=kids.text("frais-restants"), prix_total=kids.text("prix-total-TTC"),
        detail_prise_en_charge=kids.text("detail-conditions-prise-en-charge"), funders=funders)
    fields["childcare"] = childcare(f.objective, f.content, conditions, info_public,
                                    clean_text(kids.text("modalites-pedagogiques")), rythme)
    place = None if mod is Modality.REMOTE else _place(kids, finder, warnings)
    stamps = [f.stamp, modified_at(action)]
    sessions = map_sessions(kids, finder, ref, schedule=schedule, location=place, funded=funded_places(funder_lines),
                            today=today, warnings=warnings, stamps=stamps)
    programmes = [line.programme for line in funder_lines if line.programme]
    return _offer(fields, ref, f, sessions, latest(*stamps), warnings, raw, programmes)


def _funder_lines(kids: ChildIndex, finder: Finder) -> list[FunderLine]:
    """The action's `organisme-financeur` blocks, as written."""
    lines = []
    for block in kids.all("organisme-financeur"):
        found = ChildIndex(finder, block)
        lines.append(FunderLine(
            code=(found.text("code-financeur") or "").strip(),
            programme=next((p for p in found.extra("programme-financeur") if p), None),
            funded_places=parse_int(found.text("nb-places-financees")),
            public_codes=tuple(found.extra("code-public-vise"))))
    return lines


def _kind_and_levels(fields: Fields, f: FormationFacts, public_codes: list[str], funders: list[Funder],
                     conditions: str | None, info_public: str | None, warnings: list[str]) -> Kind:
    """What is taught to whom: kind, entry and target CEFR levels, literacy profiles, sectors."""
    kind = offer_kind(title=f.title, objective=f.objective, formacodes=f.formacodes, public_codes=public_codes,
                      funders=funders, rome_codes=f.rome_codes)
    bounds, w = entry_level(conditions, info_public, f.title, f.objective)
    warnings += w
    target, w = target_level(f.certification, f.objective, f.title)
    warnings += w
    fields["kind"] = kind
    fields["entry_level"] = {"min": bounds.min, "max": bounds.max}
    fields["target_level"] = target
    fields["literacy_accepted"] = literacy_accepted(formacodes=f.formacodes, public_codes=public_codes,
                                                    texts=[f.title, f.objective, conditions, info_public], kind=kind)
    fields["sectors"] = sectors(rome_codes=f.rome_codes, title=f.title, objective=f.objective, kind=kind,
                                formacodes=f.formacodes)
    return kind


def _teaching(fields: Fields, kids: ChildIndex, rythme: str | None,
              warnings: list[str]) -> tuple[Modality, list[dict[str, str]]]:
    """How it is taught: modality, hours; returns the modality and the weekly schedule (for the sessions)."""
    mod, w = modality(kids.text("modalites-enseignement"))
    warnings += w
    hours_total, hours_week, w = hours(
        total=kids.text("nombre-heures-total"), centre=kids.text("nombre-heures-centre"),
        entreprise=kids.text("nombre-heures-entreprise"),
        duree_hebdo=next((v for v in kids.extra("duree-hebdo") if v), None), rythme=rythme)
    warnings += w
    schedule, w = parse_schedule(rythme)
    warnings += w
    fields["modality"] = mod
    fields["hours_total"] = hours_total
    fields["hours_per_week"] = hours_week
    return mod, schedule


def _who_may_enter(fields: Fields, f: FormationFacts, kids: ChildIndex, kind: Kind, public_codes: list[str],
                   funder_lines: list[FunderLine], conditions: str | None, info_public: str | None,
                   warnings: list[str]) -> None:
    """Publics (who may enter), audience (who it is designed for), and a recruitment perimeter the
    catalogue cannot represent (a warning)."""
    recruitment = clean_text(kids.text("modalites-recrutement"))
    perimeter_info = clean_text(kids.text("infos-perimetre-recrutement"))
    fields["publics"] = publics_from_text(f.title, f.objective, f.content, conditions, info_public, recruitment,
                                          perimeter_info)
    funder_public_codes = [c for line in funder_lines for c in line.public_codes if c]
    fields["audience"] = audience([*public_codes, *funder_public_codes], kind)
    perimeter = (kids.text("code-perimetre-recrutement") or "").strip()
    if perimeter in {"1", "2"}:
        scope = "à la commune" if perimeter == "1" else "au département"
        warnings.append(f"recrutement limité {scope}" + (f" ({perimeter_info})" if perimeter_info else "")
                        + " : périmètre géographique non représenté dans le catalogue")


def _place(kids: ChildIndex, finder: Finder, warnings: list[str]) -> dict[str, object] | None:
    """The first usable `lieu-de-formation` (every session of the action takes it)."""
    loc: dict[str, object] | None = None
    lieux = kids.all("lieu-de-formation")
    for lieu in lieux:
        adr = finder.find(lieu, "coordonnees/adresse")
        loc, w = location(lat=finder.text(adr, "geolocalisation/latitude"),
                          lon=finder.text(adr, "geolocalisation/longitude"),
                          insee=finder.text(adr, "code-INSEE-commune"), postcode=finder.text(adr, "codepostal"))
        warnings += w
        if loc is not None:
            break
    if len(lieux) > 1:
        warnings.append(f"{len(lieux)} lieux de formation : le premier exploitable est retenu pour les sessions")
    if loc is None:
        warnings.append("lieu de formation absent ou inexploitable : sessions sans lieu")
    return loc


def _offer(fields: Fields, ref: str, f: FormationFacts, sessions: list[dict[str, object]],
           source_updated_at: datetime | None, warnings: list[str], raw: Callable[[], str],
           programmes: list[str]) -> ParsedOffer | Rejected:
    """The mapped fields validated as an `OfferIn` (title last: its warning comes after the sessions')."""
    title = f.title or ""
    if len(title) > 500:
        warnings.append("intitulé tronqué à 500 caractères")
        title = title[:499] + "…"
    fields["title"] = title
    fields["source_updated_at"] = source_updated_at
    fields["sessions"] = sessions
    try:
        offer = OfferIn.model_validate(fields)
    except ValidationError as exc:
        return Rejected(ref, [_format_error(e, sessions) for e in exc.errors()])
    return ParsedOffer(external_id=ref, formation_id=f.formation_id, offer=offer, raw_source=raw(),
                       warnings=warnings, source_updated_at=source_updated_at, version=f.version,
                       programmes=programmes)


def _format_error(err: Any, sessions: list[dict[str, object]]) -> str:
    """'sessions.2.end_date : …' → 'session <numero> : end_date : …'."""
    parts = list(err.get("loc", ()))
    if len(parts) >= 2 and parts[0] == "sessions" and isinstance(parts[1], int) and parts[1] < len(sessions):
        parts[:2] = [f"session {sessions[parts[1]]['external_id']}"]
    loc = " : ".join(str(p) for p in parts)
    msg = str(err.get("msg", "")).removeprefix("Value error, ")
    return f"{loc} : {msg}" if loc else msg
