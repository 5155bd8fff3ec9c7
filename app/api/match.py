"""`POST /v1/match` (CONTRACT § Matching): the pure core ranks, this layer fetches and answers.

The profile is neither stored nor logged (the access log carries the route, never the body)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from app.api.deps import ADVISERS, ReadDB
from app.auth.keys import Principal
from app.core.clock import paris_today
from app.core.problems import Unprocessable
from app.matching import MatchRequest, UnknownCommune, match, resolve_home
from app.matching.core import EXCLUSION_ORDER
from app.matching.schemas import MatchResponse

router = APIRouter(prefix="/v1", tags=["matching"])


@router.post("/match", response_model=MatchResponse, summary="Classer les sessions pour une personne")
def post_match(body: MatchRequest, db: ReadDB, request: Request,
               _: Annotated[Principal, Depends(ADVISERS)]) -> dict:
    try:
        home = resolve_home(body.profile.home)
    except UnknownCommune as exc:
        raise Unprocessable.at(list(exc.loc), exc.msg) from None
    store = request.app.state.snapshots
    snapshot, seq = store.current(db)
    outcome = match(body.profile, home, snapshot, today=paris_today(), limit=body.limit,
                    tension=request.app.state.tension)
    offers = store.offers(db, sorted({r.offer_id for r in outcome.results}), seq)
    results = []
    for r in outcome.results:
        offer = offers.get(r.offer_id)
        session = next((s for s in offer.sessions if s.id == r.session_id), None) if offer else None
        if offer is None or session is None:  # withdrawn between the snapshot and this read
            continue
        results.append({"offer": offer, "session": session, "score": r.score, "distance_km": r.distance_km,
                        "travel_minutes": r.travel_minutes, "reasons": [x.as_dict() for x in r.reasons]})
    return {
        "target_level": outcome.target_level,
        "results": results,
        "excluded": {k: outcome.excluded[k] for k in EXCLUSION_ORDER},
        "candidates": outcome.candidates,
        "total_results": outcome.total_results,
        "available_from": outcome.available_from.isoformat(),
    }
