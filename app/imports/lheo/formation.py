"""An LHÉO document, or one `formation` of it, → one item per action (pure: no database, no HTTP).

    for item in parse_lheo(path_or_binary_file, today=date(2026, 9, 1)):
        ParsedOffer  → one FLE `action` mapped to an `OfferIn` (+ warnings, raw XML)
        Skipped      → one action that is not FLE (or a lheo-index summary)
        Rejected     → one action whose data is invalid (no title, OfferIn validation failed…)
        Unchanged    → one action `known` already holds from this very fragment (not mapped)

The document is read by `app.imports.lheo.reader` (streaming, hostile XML refused) and not
validated against the XSD (real feeds are messy): each action is mapped on its own
(`app.imports.lheo.action`), an error rejects that action only, warnings keep it. What the
formation says is read once here and shared by its actions. Re-imports: every item carries
`source_hash` (`app.imports.lheo.sources`); with `known(ref, source_hash)` the caller says which
actions it already holds from that very fragment, and those come out as `Unchanged`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from app.core.clock import paris_today
from app.imports.items import ParsedOffer, Rejected, Skipped, Unchanged
from app.imports.lheo.action import FormationFacts, map_action
from app.imports.lheo.elements import Finder, finder_for, modified_at
from app.imports.lheo.reader import DEFAULT_MAX_BYTES, Source, iter_formations
from app.imports.lheo.rules.codes import valid_codes
from app.imports.lheo.rules.kind import fle_evidence
from app.imports.lheo.rules.levels import certification_from_text
from app.imports.lheo.rules.organisations import organisation
from app.imports.lheo.rules.text import clean_text
from app.imports.lheo.sources import raw_sources, serialise

LheoItem = ParsedOffer | Skipped | Rejected | Unchanged
KnownFn = Callable[[str, str], bool]


def parse_lheo(source: Source, *, max_bytes: int = DEFAULT_MAX_BYTES, today: date | None = None,
               known: KnownFn | None = None, info: dict[str, Any] | None = None) -> Iterator[LheoItem]:
    """Stream an LHÉO 2.2/2.3 document (path, bytes or binary file, plain or gzip) into one item
    per action. `today` (default: today in Europe/Paris) decides which sessions have ended.
    `known(ref, source_hash)` → True: that action is yielded as `Unchanged`, not mapped.
    `info`, when given, receives `version` and `root` (local name of the root element) as soon as
    the root is read. Raises `LheoDocumentError` for a document that is not well-formed, truncated,
    not LHÉO, hostile or larger than `max_bytes`."""
    today = today or paris_today()
    for elem, version, summary in iter_formations(source, max_bytes=max_bytes, info=info):
        yield from items_of(elem, version, summary, today=today, known=known)


def items_of(elem: Any, version: str, summary: bool, *, today: date, known: KnownFn | None = None) -> list[LheoItem]:
    """The items of one element given by `iter_formations`."""
    if summary:
        return [Skipped(elem.get("numero") or "resume-offre",
                        "résumé d'offre (lheo-index) : seul un flux <lheo> complet est importable")]
    return map_formation(elem, version, today=today, known=known)


def map_formation(formation: Any, version: str, *, today: date, known: KnownFn | None = None) -> list[LheoItem]:
    """Map one `formation` element: one item per `action` (ParsedOffer, Skipped, Rejected, or
    Unchanged for the actions `known` already holds from this very fragment)."""
    finder = finder_for(formation)
    formation_id = (formation.get("numero") or "").strip() or None
    actions = finder.findall(formation, "action")
    refs = [(a.get("numero") or "").strip() or f"{formation_id or '?'}/action[{i + 1}]"
            for i, a in enumerate(actions)]
    digest: str | None = None
    whole = ""
    unchanged: set[str] = set()
    if known is not None:
        whole, digest = serialise(formation, finder, version)
        unchanged = {ref for a, ref in zip(actions, refs, strict=True) if a.get("numero") and known(ref, digest)}
        if actions and len(unchanged) == len(actions):
            return [Unchanged(ref, digest) for ref in refs]

    title = clean_text(finder.text(formation, "intitule-formation"))
    objective = clean_text(finder.text(formation, "objectif-formation"))
    content = clean_text(finder.text(formation, "contenu-formation"))
    raw_formacodes = finder.texts(formation, "domaine-formation/code-FORMACODE")
    if fle_evidence([c.strip() for c in raw_formacodes], title, objective, content) is None:
        codes = ", ".join(c for c in raw_formacodes if c) or "aucun"
        reason = ("hors FLE : ni Formacode FLE (15235, 15226, 15217, 15043) ni mot-clé FLE dans l'intitulé, "
                  f"l'objectif ou le contenu (Formacodes : {codes})")
        return [Skipped(ref, reason) for ref in refs]
    if not actions:
        return [Rejected(formation_id or "?", ["formation FLE sans action : rien à importer"])]

    facts = _facts(formation, finder, version, formation_id, title, objective, content, raw_formacodes)
    if digest is None:
        whole, digest = serialise(formation, finder, version)
    raw_of = raw_sources(formation, actions, whole)
    items: list[LheoItem] = []
    for i, (action, ref) in enumerate(zip(actions, refs, strict=True)):
        if ref in unchanged:
            items.append(Unchanged(ref, digest))
            continue
        errors = _action_errors(action, facts)
        if errors:
            items.append(Rejected(ref, errors))
            continue
        item = map_action(action, ref, facts, list(facts.warnings), finder, today, lambda i=i: raw_of(i))
        if isinstance(item, ParsedOffer):
            item.source_hash = digest
        items.append(item)
    return items


def _facts(formation: Any, finder: Finder, version: str, formation_id: str | None, title: str | None,
           objective: str | None, content: str | None, raw_formacodes: list[str]) -> FormationFacts:
    """What the formation says, for all its actions; `warnings` start each action's warnings."""
    warnings: list[str] = []
    formacodes, w = valid_codes(raw_formacodes, "formacode")
    warnings += w
    rome_codes, w = valid_codes(finder.texts(formation, "domaine-formation/code-ROME"), "rome")
    warnings += w
    resp = finder.find(formation, "organisme-formation-responsable")
    org, w = organisation(raison_sociale=finder.text(resp, "raison-sociale"),
                          nom=finder.text(resp, "nom-organisme"),
                          siret=finder.text(resp, "SIRET-organisme-formation/SIRET"))
    warnings += w
    return FormationFacts(version, formation_id, title, objective, content, _summary(objective, content),
                          formacodes, rome_codes, org, certification_from_text(title, objective), modified_at(formation),
                          warnings)


def _action_errors(action: Any, facts: FormationFacts) -> list[str]:
    """Why an action cannot be an offer at all (it is then rejected without being mapped)."""
    errors: list[str] = []
    if not (action.get("numero") or "").strip():
        errors.append("action sans numéro (attribut numero) : identifiant externe impossible")
    if not facts.title:
        errors.append("intitulé de formation absent")
    if facts.organisation is None:
        errors.append("organisme responsable sans raison sociale ni nom")
    return errors


def _summary(objective: str | None, content: str | None) -> str | None:
    parts = [p for p in (objective, content) if p]
    if not parts:
        return None
    s = "\n\n".join(parts)
    return s if len(s) <= 10_000 else s[:9_999] + "…"
