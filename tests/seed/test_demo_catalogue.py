"""The shipped demo catalogue (`seed/demo_catalogue.json`): valid, complete, plausible, reproducible."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from app.catalogue.schemas import OfferIn
from app.reference.catalogue_codes import Kind, Modality, SessionStatus
from app.reference.communes import by_insee
from app.reference.funders import Funder
from app.reference.levels import Level
from app.reference.sectors import Sector, sectors_for_rome

SEED_DIR = Path(__file__).resolve().parents[2] / "seed"
CATALOGUE = SEED_DIR / "demo_catalogue.json"

REGIONS = {"11": {"75", "93", "94", "95"}, "93": {"13", "06", "83", "84"}, "84": {"69", "38", "42", "63"},
           "53": {"35", "29", "56", "22"}, "32": {"59", "62", "80", "60"}, "76": {"31", "34", "30", "66"}}
CARIF_SOURCES = {"carif-idf", "carif-paca", "carif-ara", "carif-bretagne", "carif-hdf", "carif-occitanie"}
RANK = {lvl.value: lvl.rank for lvl in Level}


@cache
def _text() -> str:
    return CATALOGUE.read_text(encoding="utf-8")


@cache
def _data() -> dict[str, Any]:
    return json.loads(_text())


def _offers() -> list[dict[str, Any]]:
    return [e["offer"] for e in _data()["offers"]]


def _sessions() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(o, s) for o in _offers() for s in o["sessions"]]


def _ref() -> date:
    return date.fromisoformat(_data()["reference_date"])


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


@cache
def _load_builder() -> ModuleType:
    """seed/build_demo.py as a module (seed/ is not a package)."""
    name = "seed_build_demo"
    spec = importlib.util.spec_from_file_location(name, SEED_DIR / "build_demo.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the file runs
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


# --- format and validity ----------------------------------------------------------------------


def test_top_level_format():
    data = _data()
    assert set(data) == {"reference_date", "offers"}
    assert _ref().weekday() == 0, "the reference date is a Monday so week shifts keep weekdays"
    for entry in data["offers"]:
        assert set(entry) == {"source", "external_id", "offer"}


def test_every_offer_validates_as_a_put_body():
    errors = []
    for entry in _data()["offers"]:
        try:
            OfferIn.model_validate(entry["offer"])
        except Exception as exc:  # collect them all, then fail once
            errors.append(f"{entry['source']}/{entry['external_id']}: {exc}")
    assert not errors, "\n".join(errors[:10])


def test_identities_and_sources():
    keys = [(e["source"], e["external_id"]) for e in _data()["offers"]]
    assert len(keys) == len(set(keys))
    for entry in _data()["offers"]:
        source, offer = entry["source"], entry["offer"]
        if source.startswith("of-"):
            assert source == f"of-{offer['organisation']['siret']}", "an organisation publishes as of-<its siret>"
        else:
            assert source in CARIF_SOURCES
            assert entry["external_id"].split("_AF_")[0] in REGIONS
        ids = [s["external_id"] for s in offer["sessions"]]
        assert len(ids) == len(set(ids))
    assert sum(e["source"].startswith("of-") for e in _data()["offers"]) >= 3


def test_sirets_are_valid():
    sirets = {o["organisation"]["siret"] for o in _offers()}
    for siret in sirets:
        assert siret and len(siret) == 14 and siret.isdigit()
        assert _luhn(siret), siret
        assert _luhn(siret[:9]), f"SIREN of {siret}"


# --- size and coverage ------------------------------------------------------------------------


def test_counts():
    assert len(_offers()) >= 150
    assert len(_sessions()) >= 400


def test_every_code_is_represented():
    offers = _offers()
    assert {f for o in offers for f in o["funders"]} == set(Funder.codes())
    assert {s for o in offers for s in o["sectors"]} == set(Sector.codes())
    assert {o["kind"] for o in offers} == set(Kind.codes())
    assert {o["modality"] for o in offers} == set(Modality.codes())
    levels = {lvl for o in offers for lvl in (o["entry_level"]["min"], o["entry_level"]["max"], o["target_level"])}
    assert levels - {None} == set(Level.codes())
    assert {s["status"] for _, s in _sessions()} == set(SessionStatus.codes())


def test_the_awkward_cases_are_there():
    offers, sessions = _offers(), [s for _, s in _sessions()]
    counts = Counter()
    for s in sessions:
        counts["rolling"] += s["rolling_entry"]
        counts["fixed"] += not s["rolling_entry"]
        counts["full"] += s["status"] == "full" or (s["places_available"] == 0 and s["status"] == "open")
        counts["unknown_schedule"] += not s["schedule"]
        counts["unknown_places"] += s["places_available"] is None and s["status"] == "open"
        counts["month_precision"] += s["start_precision"] == "month"
        counts["unknown_dates"] += s["start_date"] is None
        counts["closed"] += s["status"] == "closed"
    for o in offers:
        counts["unknown_entry"] += o["entry_level"]["min"] is None
        counts["unknown_target"] += o["target_level"] is None
        counts["unknown_literacy"] += not o["literacy_accepted"]
        counts["childcare"] += o["childcare"] is True
        counts["alpha_women_childcare"] += o["kind"] == "alpha" and "women" in o["publics"] and o["childcare"] is True
        counts["paid"] += bool(o["cost_to_learner"])
        counts["free"] += o["cost_to_learner"] == 0
        counts["open_to_all"] += not o["publics"] or o["publics"] == ["all"]
        for p in ("bpi", "women", "under_26", "rsa", "employee", "jobseeker", "cir_signatory"):
            counts[p] += p in o["publics"]
    for what in ("rolling", "fixed", "full", "unknown_schedule", "unknown_places", "month_precision",
                 "unknown_dates", "closed", "unknown_entry", "unknown_target", "unknown_literacy", "childcare",
                 "alpha_women_childcare", "paid", "open_to_all", "bpi", "women", "under_26", "rsa", "employee",
                 "jobseeker", "cir_signatory"):
        assert counts[what] >= 3, what
    assert counts["free"] > 0.8 * len(offers), "costs are mostly 0"
    assert sum(s["status"] in ("suspended", "cancelled") for s in sessions) >= 5


def test_regions_and_departements_covered():
    deps = Counter(s["location"]["departement"] for _, s in _sessions() if s["location"])
    regions = {s["location"]["region"] for _, s in _sessions() if s["location"]}
    assert regions == set(REGIONS)
    for region, wanted in REGIONS.items():
        assert wanted <= set(deps), f"région {region}: missing {wanted - set(deps)}"


# --- places match the commune reference ---------------------------------------------------------


def test_every_location_is_a_known_commune():
    seen: dict[str, Any] = {}
    for _, s in _sessions():
        loc = s["location"]
        if loc is None:
            continue
        code = loc["insee"]
        if code not in seen:
            seen[code] = by_insee(code)
        commune = seen[code]
        assert commune is not None, f"unknown INSEE code {code}"
        assert loc["departement"] == commune.departement, code
        assert loc["region"] == commune.region, code
        assert loc["city"] == commune.name, code
        assert loc["postcode"] in commune.postcodes, code
        assert abs(loc["lat"] - commune.lat) < 0.01 and abs(loc["lon"] - commune.lon) < 0.01, code
        assert loc["address"], code


# --- plausibility: what an experienced adviser would object to ------------------------------------


def test_levels_are_consistent():
    for o in _offers():
        lo, hi, target = o["entry_level"]["min"], o["entry_level"]["max"], o["target_level"]
        if target and hi:
            assert RANK[hi] < RANK[target], f"{o['title']}: someone at the entry maximum is already at the target"
        if o["kind"] == "alpha":
            assert set(o["literacy_accepted"]) <= {"none", "partial"}, o["title"]
            assert hi is None or RANK[hi] <= RANK["A1"], o["title"]
        if o["kind"] == "certification":
            assert o["certification"], o["title"]
            assert lo and target and RANK[lo] >= RANK[target] - 2, f"{o['title']}: entry far below the exam"
            assert "full" in o["literacy_accepted"]


def test_cir_courses_are_ofii_and_free():
    for o in _offers():
        assert (o["kind"] == "cir") == ("ofii" in o["funders"]), o["title"]
        if o["kind"] != "cir":
            continue
        assert o["funders"] == ["ofii"]
        assert o["cost_to_learner"] == 0
        assert o["publics"] == ["cir_signatory"]
        assert o["hours_total"] in (100, 200, 400, 600)
        if "none" in o["literacy_accepted"]:
            assert o["hours_total"] == 600, "non-readers get the 600 h course"


def test_costs_match_funders():
    for o in _offers():
        if o["cost_to_learner"]:
            assert {"cpf", "learner"} & set(o["funders"]), o["title"]


def test_sectors_and_rome_codes_agree():
    for o in _offers():
        if o["kind"] == "fle_pro":
            assert o["sectors"], o["title"]
        for code in o["rome_codes"]:
            assert {s.value for s in sectors_for_rome(code)} & set(o["sectors"]), f"{o['title']}: {code}"


def test_women_only_courses_are_alpha_or_asl():
    for o in _offers():
        if "women" in o["publics"]:
            assert o["kind"] in ("alpha", "asl")


def test_schedules_are_sensible():
    for o, s in _sessions():
        for slot in s["schedule"]:
            assert _minutes(slot["start"]) >= 8 * 60 and _minutes(slot["end"]) <= 21 * 60, o["title"]
            assert slot["day"] != "sun"
            if o["childcare"]:
                assert slot["day"] != "sat" and _minutes(slot["end"]) <= 17 * 60 + 30, \
                    f"{o['title']}: childcare outside the day"
        if s["schedule"] and o["hours_per_week"]:
            weekly = sum(_minutes(x["end"]) - _minutes(x["start"]) for x in s["schedule"]) / 60
            assert weekly == o["hours_per_week"], o["title"]
        if o["hours_per_week"]:
            assert 3 <= o["hours_per_week"] <= 30


def test_sessions_are_consistent():
    ref = _ref()
    for o, s in _sessions():
        if o["modality"] == "remote":
            assert s["location"] is None
        else:
            assert s["location"] is not None, o["title"]
        if s["capacity"] is not None and s["places_available"] is not None:
            assert s["places_available"] <= s["capacity"]
        if s["status"] == "full":
            assert s["places_available"] in (0, None)
        end = date.fromisoformat(s["end_date"]) if s["end_date"] else None
        start = date.fromisoformat(s["start_date"]) if s["start_date"] else None
        if s["status"] == "closed":
            assert end is not None and end < ref
        elif end is not None:
            assert end >= ref, f"{o['title']}: an open session that has ended"
        if start is not None:
            assert ref - timedelta(weeks=30) <= start <= ref + timedelta(weeks=35)
        if s["start_precision"] == "month":
            assert start is not None and start.day == 1
        if s["end_precision"] == "month":
            assert end is not None and (end + timedelta(days=1)).day == 1
        if start is not None and s["start_precision"] == "day" and s["schedule"]:
            days = {x["day"] for x in s["schedule"]}
            assert ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][start.weekday()] in days, \
                "a session starts on one of its class days"


# --- reproducible -------------------------------------------------------------------------------


def test_build_demo_regenerates_the_shipped_file():
    builder = _load_builder()
    assert builder.dumps(builder.build()) == _text(), "rerun: .venv/bin/python seed/build_demo.py"


def test_reference_date_matches_the_builder():
    assert _load_builder().REFERENCE_DATE.isoformat() == _data()["reference_date"]
