"""Unit tests of the catalogue's small rules: live places, quality, cursors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.catalogue.models import TrainingSession
from app.catalogue.places import apply_stated_places
from app.catalogue.quality import offer_quality
from app.catalogue.schemas import OfferIn
from app.core.pagination import decode_cursor, encode_cursor
from app.core.problems import BadRequest
from tests.api.factories import offer_body, session_body

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "stated_before, live_before, stated, live_after",
    [
        (None, None, 5, 5),  # first figure
        (5, 3, 5, 3),  # restating the same figure keeps the holds
        (5, 3, 8, 8),  # a new figure wins
        (5, 3, None, 3),  # no figure stated: nothing changes
        (5, 0, 0, 0),  # the organisation says full
    ],
)
def test_stated_places(stated_before, live_before, stated, live_after):
    row = TrainingSession(offer_id=1, external_id="S", places_stated=stated_before, places_available=live_before)
    apply_stated_places(row, stated, NOW)
    assert row.places_available == live_after
    if stated is not None:
        assert row.places_stated == stated


def test_quality_complete_and_unknown():
    full = OfferIn.model_validate(offer_body())
    assert offer_quality(full) == 1.0
    bare = OfferIn.model_validate(offer_body(
        funders=[], entry_level={}, target_level=None,
        sessions=[session_body(schedule=[], places_available=None, start_date=None, end_date=None, location=None)]))
    assert offer_quality(bare) == 0.0
    half = OfferIn.model_validate(offer_body(sessions=[session_body("A"), session_body("B", schedule=[])]))
    assert offer_quality(half) == pytest.approx(1 - 0.5 / 6, abs=1e-3)


def test_cursor_round_trip_and_binding():
    key = b"k" * 32
    c = encode_cursor(key, ["2026-11-27T09:00:00+00:00", 42], {"sector": "btp"})
    assert decode_cursor(key, c, {"sector": "btp"}) == ["2026-11-27T09:00:00+00:00", 42]
    with pytest.raises(BadRequest):
        decode_cursor(key, c, {"sector": "proprete"})
    with pytest.raises(BadRequest):
        decode_cursor(b"x" * 32, c, {"sector": "btp"})
    with pytest.raises(BadRequest):
        decode_cursor(key, "!!!" + c, {"sector": "btp"})
