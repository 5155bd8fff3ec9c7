"""Indicators checked against figures computed by hand on a small dated history (CONTRACT
§ Indicators), on SQLite and PostgreSQL; the CSV read back with the `csv` module."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from app.auth.keys import principal_of, verify_key
from app.prescriptions import service
from app.prescriptions.expiry import expire_due
from app.prescriptions.retention import anonymise
from app.prescriptions.schemas import EntryIn, PrescriptionIn, PrescriptionPatch
from app.reference.tension import TensionList, parse_tension
from tests.api.factories import offer_body, session_body

TENSION = """region;rome_code;sector;label;source
11;K1302;services_a_la_personne;Assistant de vie dépendance;test
53;F1703;btp;Maçon;test
"""
METRICS = ["prescriptions", "accepted", "entries", "refused", "expired", "places_open", "entries_in_tension_sectors"]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture(scope="module")
def history(api):
    """The dated history the expected figures below are computed from (see the module's comments)."""
    api.app.state.tension = TensionList.from_entries(parse_tension(TENSION), "test")
    admin = api.auth("admin")

    def offer(ext, *, insee, funders, sectors, rome, publics, start, capacity, places):
        body = offer_body(funders=funders, sectors=sectors, rome_codes=rome, publics=publics, sessions=[
            session_body("S", start_date=start, end_date="2026-12-31", location={"insee": insee},
                         capacity=capacity, places_available=places)])
        r = api.put(f"/v1/offers/carif-test/{ext}", json=body, headers=admin)
        assert r.status_code == 201, r.text
        return r.json()["sessions"][0]["id"]

    # A: Saint-Denis (93, Île-de-France), BOP 104 + région, services à la personne (K1302, en tension in 11)
    a1 = offer("A", insee="93066", funders=["bop104", "region"], sectors=["services_a_la_personne"], rome=["K1302"],
               publics=[], start="2026-02-10", capacity=12, places=5)
    # B: Rennes (35, Bretagne), OFII, general French, for immigrants only
    b1 = offer("B", insee="35238", funders=["ofii"], sectors=["tous_secteurs"], rome=[], publics=["immigrant"],
               start="2026-03-01", capacity=8, places=8)
    # C: Saint-Denis, France Travail, sécurité privée (not en tension in the test list), starts in April
    c1 = offer("C", insee="93066", funders=["france_travail"], sectors=["securite_privee"], rome=[], publics=[],
               start="2026-04-01", capacity=10, places=10)
    # D: Rennes, région, services à la personne (K1302 is not en tension in 53), places unknown
    d1 = offer("D", insee="35238", funders=["region"], sectors=["services_a_la_personne"], rome=["K1302"],
               publics=[], start="2026-01-05", capacity=None, places=None)

    database = api.app.state.database
    keys = api.key("adviser", organisation="FT"), api.key("provider", siret="13002526500013")
    with database.session() as db:
        adviser, provider = (principal_of(verify_key(db, k)) for k in keys)

    def prescribe(sid, ref, publics, when):
        with database.session(write=True) as db:
            return service.prescribe(db, adviser, PrescriptionIn(session_id=sid, jobseeker_ref=ref, publics=publics),
                                     ttl_days=10, now=at(when)).id

    def move(pid, who, status, when, **kw):
        with database.session(write=True) as db:
            service.change_status(db, who, pid, PrescriptionPatch(status=status, **kw), None, now=at(when))

    def entry(sid, ref, publics, on):
        with database.session(write=True) as db:
            out = service.record_entries(db, provider, [EntryIn(session_id=sid, jobseeker_ref=ref, publics=publics,
                                                               entered_on=date.fromisoformat(on))],
                                         now=at(on + "T12:00:00"))
        return out[0].outcome

    p1 = prescribe(a1, "P1", ["cir_signatory"], "2026-01-15T10:00:00")
    move(p1, provider, "accepted", "2026-01-20T10:00:00")
    p2 = prescribe(a1, "P2", ["jobseeker"], "2026-01-31T23:30:00")  # 00:30 on 1 February in Paris
    move(p2, provider, "refused", "2026-02-03T09:00:00", reason="Niveau", reason_code="niveau_inadapte")
    prescribe(b1, "P3", ["cir_signatory", "bpi"], "2026-02-05T09:00:00")
    assert entry(a1, "P1", [], "2026-02-10") == "entered"
    assert expire_due(database, now=at("2026-02-16T09:00:00")) == 1  # P3
    p4 = prescribe(b1, "P4", [], "2026-03-02T10:00:00")
    move(p4, adviser, "cancelled", "2026-03-03T10:00:00")
    prescribe(c1, "P5", ["cir_signatory"], "2026-03-31T22:30:00")  # 00:30 on 1 April in Paris (summer time)
    assert entry(a1, "E1", ["cir_signatory"], "2026-03-05") == "recorded"
    assert entry(b1, "E2", [], "2026-03-06") == "recorded"
    assert entry(c1, "E3", [], "2026-03-07") == "recorded"
    assert entry(d1, "E4", ["jobseeker"], "2026-03-08") == "recorded"
    assert entry(a1, "E5", [], "2026-04-02") == "recorded"
    return api


def get(api, **params):
    params = {"from": "2026-01", "to": "2026-03", **params}
    r = api.get("/v1/indicators", params=params, headers=api.auth("adviser", organisation="FT"))
    assert r.status_code == 200, r.text
    return r


def figures(rows, group: str | None = None) -> dict:
    """{period: [per-period figures in METRICS order]} (rows of one group)."""
    return {r["period"]: [r[m] for m in METRICS] for r in rows if group is None or r.get(group[0]) == group[1]}


def cumulated(per_month: dict) -> dict:
    out, total = {}, [0] * len(METRICS)
    for period, values in per_month.items():
        total = [a + b for a, b in zip(total, values, strict=True)]
        out[period] = total
    return out


#                     presc acc entries refused expired places tension
MONTHLY = {"2026-01": [1, 1, 0, 0, 0, 0, 0],
           "2026-02": [2, 0, 1, 1, 1, 12, 1],
           "2026-03": [1, 0, 4, 0, 0, 8, 1]}


def test_monthly_figures_and_running_totals(history):
    rows = get(history).json()["items"]
    assert [r["period"] for r in rows] == ["2026-01", "2026-02", "2026-03"]
    assert figures(rows) == MONTHLY
    assert {r["period"]: [r[f"{m}_cumulative"] for m in METRICS] for r in rows} == cumulated(MONTHLY)
    assert set(rows[0]) == {"period"} | set(METRICS) | {f"{m}_cumulative" for m in METRICS}


@pytest.mark.parametrize("params, expected", [
    ({"public": "cir_signatory"}, {"2026-01": [1, 1, 0, 0, 0, 0, 0], "2026-02": [1, 0, 1, 0, 1, 12, 1],
                                   "2026-03": [0, 0, 1, 0, 0, 8, 1]}),
    # a CIR signatory or a BPI counts as an immigrant too
    ({"public": "immigrant"}, {"2026-01": [1, 1, 0, 0, 0, 0, 0], "2026-02": [1, 0, 1, 0, 1, 12, 1],
                               "2026-03": [0, 0, 1, 0, 0, 8, 1]}),
    # B is for immigrants only: its places are not open to jobseekers as such
    ({"public": "jobseeker"}, {"2026-01": [0, 0, 0, 0, 0, 0, 0], "2026-02": [1, 0, 0, 1, 0, 12, 0],
                               "2026-03": [0, 0, 1, 0, 0, 0, 0]}),
    ({"region": "53"}, {"2026-01": [0, 0, 0, 0, 0, 0, 0], "2026-02": [1, 0, 0, 0, 1, 0, 0],
                        "2026-03": [1, 0, 2, 0, 0, 8, 0]}),
    ({"departement": "93"}, {"2026-01": [1, 1, 0, 0, 0, 0, 0], "2026-02": [1, 0, 1, 1, 0, 12, 1],
                             "2026-03": [0, 0, 2, 0, 0, 0, 1]}),
    ({"from": "2026-02", "to": "2026-02"}, {"2026-02": [2, 0, 1, 1, 1, 12, 1]}),
    ({"from": "2026-04", "to": "2026-04"}, {"2026-04": [1, 0, 1, 0, 0, 10, 1]}),
])
def test_filters(history, params, expected):
    rows = get(history, **params).json()["items"]
    assert figures(rows) == expected
    assert {r["period"]: [r[f"{m}_cumulative"] for m in METRICS] for r in rows} == cumulated(expected)


def test_group_by_funder(history):
    rows = get(history, group_by="funder").json()["items"]
    assert [(r["period"], r["funder"]) for r in rows[:4]] == [
        ("2026-01", "bop104"), ("2026-01", "france_travail"), ("2026-01", "ofii"), ("2026-01", "region")]
    assert figures(rows, ("funder", "bop104")) == {"2026-01": [1, 1, 0, 0, 0, 0, 0], "2026-02": [1, 0, 1, 1, 0, 12, 1],
                                                  "2026-03": [0, 0, 1, 0, 0, 0, 1]}
    assert figures(rows, ("funder", "ofii")) == {"2026-01": [0, 0, 0, 0, 0, 0, 0], "2026-02": [1, 0, 0, 0, 1, 0, 0],
                                                "2026-03": [1, 0, 1, 0, 0, 8, 0]}
    assert figures(rows, ("funder", "france_travail")) == {"2026-01": [0] * 7, "2026-02": [0] * 7,
                                                          "2026-03": [0, 0, 1, 0, 0, 0, 0]}
    assert figures(rows, ("funder", "region")) == {"2026-01": [1, 1, 0, 0, 0, 0, 0], "2026-02": [1, 0, 1, 1, 0, 12, 1],
                                                  "2026-03": [0, 0, 2, 0, 0, 0, 1]}
    march_region = next(r for r in rows if r["period"] == "2026-03" and r["funder"] == "region")
    assert march_region["entries_cumulative"] == 3 and march_region["prescriptions_cumulative"] == 2


def test_group_by_sector(history):
    rows = get(history, group_by="sector").json()["items"]
    assert sorted({r["sector"] for r in rows}) == ["securite_privee", "services_a_la_personne", "tous_secteurs"]
    assert figures(rows, ("sector", "services_a_la_personne"))["2026-03"] == [0, 0, 2, 0, 0, 0, 1]
    assert figures(rows, ("sector", "tous_secteurs"))["2026-03"] == [1, 0, 1, 0, 0, 8, 0]


def test_csv_reads_back_with_the_csv_module(history):
    r = get(history, group_by="funder", format="csv")
    assert r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark
    assert 'filename="indicateurs-2026-01-2026-03-funder.csv"' in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    expected = get(history, group_by="funder").json()["items"]
    assert len(rows) == len(expected) == 12
    assert list(rows[0]) == ["period", "funder"] + [c for m in METRICS for c in (m, f"{m}_cumulative")]
    assert rows == [{k: "" if v is None else str(v) for k, v in e.items()} for e in expected]
    # the same by content negotiation
    by_accept = history.get("/v1/indicators", params={"from": "2026-01", "to": "2026-03"},
                            headers={**history.auth("adviser", organisation="FT"), "Accept": "text/csv"})
    monthly = list(csv.reader(io.StringIO(by_accept.content.decode("utf-8-sig")), delimiter=";"))
    assert monthly[0][0] == "period" and [row[0] for row in monthly[1:]] == ["2026-01", "2026-02", "2026-03"]


def test_bad_parameters_are_422_and_roles(history):
    h = history.auth("adviser", organisation="FT")
    for params in ({"from": "2026-13"}, {"from": "2026-05", "to": "2026-04"}, {"group_by": "city"},
                   {"public": "martian"}, {"region": "ile-de-france"}, {"from": "2000-01", "to": "2026-01"}):
        r = history.get("/v1/indicators", params=params, headers=h)
        assert r.status_code == 422, (params, r.text)
    assert history.get("/v1/indicators", headers=history.auth("provider", siret="13002526500013")).status_code == 403
    assert history.get("/v1/indicators", headers=history.auth("admin")).status_code == 200


def test_anonymisation_keeps_the_indicators(history):
    before = {g: get(history, group_by=g).json()["items"] for g in ("month", "funder")}
    report = anonymise(history.app.state.database, 1)  # everything closed is older than a month by now
    assert report.prescriptions >= 4 and report.entries >= 5
    for g, rows in before.items():
        assert get(history, group_by=g).json()["items"] == rows
