"""Pure mapping rules LHÉO → catalogue, one small function per rule, one module per family.

The mapper (`app.imports.lheo.action`, `.formation`, `.sessions`) extracts plain values (strings,
lists) from the XML and calls these functions; none of them touches XML, the database or the
network, so each is unit-tested on its own. Warnings returned by the rules are French sentences
meant for a CARIF engineer or an adviser.

Families: `text` (cleaning, folding, figures), `kind` (is it FLE, which kind), `funders`, `levels`
(CEFR, certification), `literacy`, `codes` (ROME, Formacode, sectors), `publics` (who may enter,
audience), `dates`, `sessions` (status, places), `schedule` (hours, weekly slots), `place`
(modality, location), `organisations`, `conditions` (cost, childcare). The names below are
re-exported so that a caller can write `rules.entry_level(…)`; importing this package loads only
the rule modules and the reference tables they read.
"""

from app.imports.lheo.rules.codes import sectors, valid_codes
from app.imports.lheo.rules.conditions import childcare, cost_to_learner
from app.imports.lheo.rules.dates import ParsedDate, latest, parse_lheo_date, parse_timestamp
from app.imports.lheo.rules.funders import FunderLine, funded_places, funders_from_lheo
from app.imports.lheo.rules.kind import (
    FLE_FORMACODES,
    FORMACODE_ALPHA,
    FORMACODES_FLE_PRO,
    PUBLIC_ANALPHABETE,
    fle_evidence,
    offer_kind,
)
from app.imports.lheo.rules.levels import (
    LevelBounds,
    certification_from_text,
    entry_level,
    entry_level_from_text,
    level_code,
    level_of_certification,
    progression,
    target_level,
)
from app.imports.lheo.rules.literacy import literacy_accepted
from app.imports.lheo.rules.organisations import normalise_siret, organisation
from app.imports.lheo.rules.place import location, modality
from app.imports.lheo.rules.publics import audience, publics_from_text
from app.imports.lheo.rules.schedule import hours, parse_schedule
from app.imports.lheo.rules.sessions import first_places, session_status
from app.imports.lheo.rules.text import Needs, clean_text, fold, parse_int, parse_number

__all__ = [
    "FLE_FORMACODES", "FORMACODES_FLE_PRO", "FORMACODE_ALPHA", "PUBLIC_ANALPHABETE", "FunderLine", "LevelBounds",
    "Needs", "ParsedDate", "audience", "certification_from_text", "childcare", "clean_text", "cost_to_learner",
    "entry_level", "entry_level_from_text", "first_places", "fle_evidence", "fold", "funded_places",
    "funders_from_lheo", "hours", "latest", "level_code", "level_of_certification", "literacy_accepted", "location",
    "modality", "normalise_siret", "offer_kind", "organisation", "parse_int", "parse_lheo_date", "parse_number",
    "parse_schedule", "parse_timestamp", "progression", "publics_from_text", "sectors", "session_status",
    "target_level", "valid_codes",
]
