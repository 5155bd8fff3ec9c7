"""The sessions of one LHÉO action → `SessionIn` fields: ids, dates, status, places."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from app.imports.lheo.elements import ChildIndex, Finder, modified_at
from app.imports.lheo.rules.dates import parse_lheo_date
from app.imports.lheo.rules.sessions import first_places, session_status


def map_sessions(kids: ChildIndex, finder: Finder, ref: str, *, schedule: list[dict[str, str]],
                 location: dict[str, object] | None, funded: int | None, today: date, warnings: list[str],
                 stamps: list[datetime | None]) -> list[dict[str, object]]:
    """The sessions of the action `ref` (`kids`: its children), in order: an unnumbered one gets an id
    from its position, a repeated id keeps only the first. They share the action's `schedule`,
    `location` and `funded` places. `stamps` receives when each was last modified."""
    rolling = (kids.text("modalites-entrees-sorties") or "").strip() == "1"
    action_perimee = any(v == "1" for v in kids.extra("action-perimee"))
    sessions: list[dict[str, object]] = []
    seen: set[str] = set()
    for j, sess in enumerate(kids.all("session")):
        sid = (sess.get("numero") or "").strip()
        if not sid:
            sid = f"{ref}-{j + 1}"
            warnings.append(f"session sans numéro : identifiant « {sid} » attribué (position dans l'action)")
        if sid in seen:
            warnings.append(f"session {sid} en double : seule la première est gardée")
            continue
        seen.add(sid)
        sessions.append(_session(sess, sid, finder, today=today, perimee=action_perimee, rolling=rolling,
                                 schedule=schedule, location=location, funded=funded, warnings=warnings))
        stamps.append(modified_at(sess))
    if not sessions:
        warnings.append("action sans session")
    return sessions


def _session(sess: Any, sid: str, finder: Finder, *, today: date, perimee: bool, rolling: bool,
             schedule: list[dict[str, str]], location: dict[str, object] | None, funded: int | None,
             warnings: list[str]) -> dict[str, object]:
    """One session (`perimee`: its action is out of date)."""
    kids = ChildIndex(finder, sess)
    paths = finder.paths
    periode = kids.first("periode")
    start = parse_lheo_date(periode.findtext(paths["debut"]) if periode is not None else None)
    end = parse_lheo_date(periode.findtext(paths["fin"]) if periode is not None else None, end=True)
    perimee = perimee or any(v == "1" for v in kids.extra("session-perimee"))
    status, sw = session_status(etat_recrutement=kids.text("etat-recrutement"), perimee=perimee, end=end.value,
                                today=today)
    sw += [d.warning for d in (start, end) if d.warning]
    recrutement = kids.first("recrutement")
    places = first_places(*([(e.text or "").strip() for e in recrutement.iterchildren(paths["nb-places"])]
                            if recrutement is not None else ()),
                          *kids.extra("nb-places"), *kids.extra("nb-places-disponibles"),
                          *kids.extra("places-disponibles"))
    capacity = first_places(*finder.texts(sess, "cycle/capacite-simultanee")) if kids.all("cycle") else None
    warnings += [f"session {sid} : {m}" for m in sw]
    return {
        "external_id": sid[:120], "start_date": start.value, "end_date": end.value,
        "start_precision": start.precision, "end_precision": end.precision, "rolling_entry": rolling,
        "schedule": schedule, "location": location, "capacity": capacity, "places_available": places,
        "funded_places": funded, "status": status,
    }
