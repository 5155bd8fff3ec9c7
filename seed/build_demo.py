"""Build the demo catalogue shipped in `seed/demo_catalogue.json` (loaded by `parcours-fle demo`).

    .venv/bin/python seed/build_demo.py            # rewrite seed/demo_catalogue.json, print counts
    .venv/bin/python seed/build_demo.py --check    # exit 1 when the shipped file is not what this builds

Deterministic: the curated towns, organisations and course templates of `seed/demo_data/` (see
seed/README.md), varied by a `random.Random` with a fixed seed; no clock, no network. Every
organisation and SIRET is fictional (the SIRETs are 14 digits and pass the Luhn check); towns, INSEE
codes, postcodes and coordinates are real (INSEE COG 2024, as in `app/reference/data/communes.csv`);
ROME codes are ROME v4.60 and match each offer's sectors. The catalogue depends on the order of
the random draws (and of the rows in the data files): tests/seed pins it to the committed file.

Dates are written relative to REFERENCE_DATE (a Monday), stored at the top of the JSON as
`reference_date`: the loader shifts every date by a whole number of weeks so that the reference
date lands on the current week (weekdays kept); month-precision dates (`*_precision: "month"`,
written as the 1st / the last day of the month) are re-aligned to month boundaries after the shift.
"""

from __future__ import annotations

import argparse
import calendar
import csv
import json
import math
import random
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

REFERENCE_DATE = date(2026, 12, 7)  # a Monday: "today" as the JSON is written
SEED = 20261207
SEED_DIR = Path(__file__).resolve().parent
DATA_DIR = SEED_DIR / "demo_data"
OUT = SEED_DIR / "demo_catalogue.json"

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
LEVEL_ORDER = ["A0", "A1.1", "A1", "A2", "B1", "B2", "C1", "C2"]

Slot = dict[str, str]  # {"day": "mon", "start": "09:00", "end": "12:00"}


# --------------------------------------------------------------------------------------------
# The data files
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Town:
    insee: str
    name: str
    dep: str
    reg: str
    postcode: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Run:
    """One course an organisation runs: a template, which of its titles, what it changes."""
    template: str
    title: int | None = None  # index in the template's titles; by default the next one in turn
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Org:
    name: str
    type: str
    towns: list[str]
    runs: list[Run]
    publish: bool = False  # publishes its own offers (source `of-<siret>`), else through its CARIF
    siret: str = ""


@dataclass(frozen=True)
class DemoData:
    towns: dict[str, Town]
    streets: dict[str, list[str]]  # INSEE code (or "*": any other town) -> street names
    sources: dict[str, str]  # région code -> CARIF source
    region_labels: dict[str, str]
    rome: dict[str, list[str]]  # sector -> ROME codes
    schedules: dict[str, list[list[Slot]]]  # family -> interchangeable weekly patterns
    templates: dict[str, dict[str, Any]]
    organisations: list[Org]
    sentences: dict[str, Any]


def read_csv(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def read_json(name: str) -> Any:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def grouped(rows: list[dict[str, str]], key: str, value: str) -> dict[str, list[str]]:
    """Rows `key,value` (several per key, in file order) as key -> values."""
    out: dict[str, list[str]] = {}
    for row in rows:
        out.setdefault(row[key], []).append(row[value])
    return out


def load_towns() -> dict[str, Town]:
    return {r["insee"]: Town(r["insee"], r["name"], r["departement"], r["region"], r["postcode"],
                             float(r["lat"]), float(r["lon"])) for r in read_csv("towns.csv")}


def weekly_slots(specs: list[str]) -> list[Slot]:
    """`["mon thu 09:00-12:00", "sat 09:30-12:30"]` as slots in weekday order."""
    out = []
    for spec in specs:
        *days, hours = spec.split()
        start, end = hours.split("-")
        out.extend({"day": d, "start": start, "end": end} for d in days)
    out.sort(key=lambda s: (DAYS.index(s["day"]), s["start"]))
    return out


def weekly_hours(slots: list[Slot]) -> float:
    minutes = 0
    for s in slots:
        h1, m1 = map(int, s["start"].split(":"))
        h2, m2 = map(int, s["end"].split(":"))
        minutes += (h2 * 60 + m2) - (h1 * 60 + m1)
    return minutes / 60


def load_schedules() -> dict[str, list[list[Slot]]]:
    """Families of interchangeable weekly patterns; the groups in the file are headings only."""
    families = {}
    for group in read_json("schedules.json").values():
        for family, variants in group.items():
            families[family] = [weekly_slots(v) for v in variants]
            assert len({weekly_hours(v) for v in families[family]}) == 1, f"{family}: unequal weekly hours"
    return families


def load_templates(rome: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
    """Course templates: defaults, then the family's common fields, then the template's own.

    `summary_frame` wraps the summary (`{summary}` marks its place); `rome` is added: the ROME
    codes of the template's sector."""
    data = read_json("templates.json")
    known = set(data["defaults"]) | {"kind", "summary_frame"}
    templates = {}
    for family in data["families"].values():
        for key, own in family["templates"].items():
            tpl = {**data["defaults"], **family["common"], **own}
            assert set(tpl) <= known and "kind" in tpl, (key, set(tpl) - known)
            frame = tpl.pop("summary_frame", "{summary}")
            tpl["summary"] = frame.replace("{summary}", tpl["summary"])
            tpl["rome"] = rome.get(tpl["sector"], [])
            templates[key] = tpl
    return templates


def load_organisations(towns: dict[str, Town], labels: dict[str, str], templates: dict[str, Any]) -> list[Org]:
    """Organisations in file order, grouped by région label; every site in that région."""
    orgs = []
    for label, entries in read_json("organisations.json").items():
        for entry in entries:
            runs = [Run(run) if isinstance(run, str) else Run(run["template"], run.get("title"), run.get("with", {}))
                    for run in entry["runs"]]
            org = Org(entry["name"], entry["type"], entry["towns"], runs, entry.get("publish", False))
            assert all(labels[towns[t].reg] == label for t in org.towns), org.name
            assert all(run.template in templates for run in runs), org.name
            orgs.append(org)
    return orgs


def load_data() -> DemoData:
    towns = load_towns()
    regions = read_csv("regions.csv")
    labels = {r["region"]: r["label"] for r in regions}
    rome = grouped(read_csv("sector_rome.csv"), "sector", "rome")
    templates = load_templates(rome)
    return DemoData(
        towns=towns, streets=grouped(read_csv("streets.csv"), "insee", "street"),
        sources={r["region"]: r["source"] for r in regions}, region_labels=labels, rome=rome,
        schedules=load_schedules(), templates=templates,
        organisations=load_organisations(towns, labels, templates), sentences=read_json("sentences.json"))


# --------------------------------------------------------------------------------------------
# SIRET, dates, levels
# --------------------------------------------------------------------------------------------


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def complete_luhn(body: str) -> str:
    return next(body + last for last in "0123456789" if luhn_ok(body + last))


def make_siret(rng: random.Random, org: Org, dep: str, used: set[str]) -> str:
    while True:
        if org.type in ("greta", "univ"):
            head = "19" + dep + "".join(rng.choice("0123456789") for _ in range(4))  # public bodies
        elif org.type == "cci":
            head = "18" + dep + "".join(rng.choice("0123456789") for _ in range(4))
        else:
            head = rng.choice("3457") + "".join(rng.choice("0123456789") for _ in range(7))
        siren = complete_luhn(head)
        siret = complete_luhn(siren + "000" + rng.choice("1234"))
        if siret not in used:
            used.add(siret)
            return siret


def week_start(week: int, slots: list[Slot]) -> date:
    """First class day of the week `week` weeks after the reference week."""
    first = min((DAYS.index(s["day"]) for s in slots), default=0)
    return REFERENCE_DATE + timedelta(weeks=week, days=first)


def week_end(start_week: int, weeks: int, slots: list[Slot]) -> date:
    """Last class day of the last of `weeks` weeks starting at `start_week`."""
    last = max((DAYS.index(s["day"]) for s in slots), default=4)
    return REFERENCE_DATE + timedelta(weeks=start_week + weeks - 1, days=last)


def month_last(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def add_months(d: date, n: int) -> date:
    m = d.month - 1 + n
    return date(d.year + m // 12, m % 12 + 1, 1)


def below_target(lo: str | None, hi: str | None, target: str | None) -> tuple[str | None, str | None]:
    """Entry range capped below the target: a person already at the target is not admitted."""
    if target is None or hi is None:
        return lo, hi
    cap = LEVEL_ORDER.index(target) - 1
    if LEVEL_ORDER.index(hi) > cap:
        hi = LEVEL_ORDER[cap]
        if lo is not None and LEVEL_ORDER.index(lo) > cap:
            lo = hi
    return lo, hi


def with_changes(tpl: dict[str, Any], changes: dict[str, Any], rome: dict[str, list[str]]) -> dict[str, Any]:
    """A template with some fields replaced; a new sector brings its ROME codes unless given."""
    out = {**tpl, **changes}
    if "sector" in changes and "rome" not in changes:
        out["rome"] = rome[changes["sector"]]
    return out


def daytime_only(variants: list[list[Slot]]) -> bool:
    return all(s["day"] not in ("sat", "sun") and s["end"] <= "17:30" for v in variants for s in v)


# --------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------


@dataclass
class Schedule:
    variants: list[list[Slot]]
    hours_per_week: float
    unknown: bool  # the CARIF record gives no timetable
    hours_total: float


@dataclass
class Plan:
    """When and where one session runs: whole weeks from the reference week, or months only."""
    town: str
    rolling: bool
    start_week: int = 0
    weeks: int = 0
    month_start: date | None = None
    month_end: date | None = None


@dataclass
class Builder:
    data: DemoData
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    used_siret: set[str] = field(default_factory=set)
    used_ids: set[str] = field(default_factory=set)
    addresses: dict[tuple[str, str], str] = field(default_factory=dict)

    def ident(self, fmt: str, lo: int, hi: int) -> str:
        while True:
            value = fmt.format(self.rng.randint(lo, hi))
            if value not in self.used_ids:
                self.used_ids.add(value)
                return value

    def location(self, org: Org, insee: str) -> dict[str, Any]:
        key = (org.name, insee)
        if key not in self.addresses:
            streets = self.data.streets.get(insee, self.data.streets["*"])
            self.addresses[key] = f"{self.rng.randint(1, 140)} {self.rng.choice(streets)}"
        t = self.data.towns[insee]
        return {"address": self.addresses[key], "postcode": t.postcode, "insee": t.insee, "city": t.name,
                "departement": t.dep, "region": t.reg, "lat": t.lat, "lon": t.lon}

    # -- one offer ---------------------------------------------------------------------------
    def course(self, run: Run, n: int) -> tuple[str, dict[str, Any]]:
        """The title and template of `run`, the `n`-th run of its template in the catalogue."""
        titles = self.data.templates[run.template]["titles"]
        chosen = titles[run.title if run.title is not None else n % len(titles)]
        title, changes = (chosen, {}) if isinstance(chosen, str) else (chosen["title"], chosen["with"])
        tpl = with_changes(self.data.templates[run.template], changes, self.data.rome)
        return title, with_changes(tpl, run.changes, self.data.rome)

    def publics(self, tpl: dict[str, Any], funders: list[str]) -> list[str]:
        if tpl["publics"] is not None:
            return list(self.rng.choice(tpl["publics"]))
        if "bop104" in funders:
            return ["immigrant"]
        if "employer" in funders:
            return ["employee"]
        if "departement" in funders and tpl["kind"] in ("alpha", "fle_general", "fle_pro"):
            return ["rsa"]
        if tpl["kind"] == "fle_pro" and set(funders) & {"france_travail", "region", "opco"}:
            return ["jobseeker"]
        if "france_travail" in funders:
            return ["jobseeker"]
        return self.rng.choice([["all"], [], []])

    def levels(self, tpl: dict[str, Any], carif: bool) -> dict[str, Any]:
        rng = self.rng
        entry_min, entry_max = rng.choice(tpl["entry"])
        target = rng.choice(tpl["target"])
        literacy = list(rng.choice(tpl["literacy"]))
        # CARIF records are often incomplete: drop a few facts (never on OFII or certification data).
        if carif and tpl["kind"] not in ("cir", "certification"):
            r = rng.random()
            if r < 0.05:
                entry_min = entry_max = None
            elif r < 0.09:
                target = None
            elif r < 0.15:
                literacy = []
        entry_min, entry_max = below_target(entry_min, entry_max, target)
        return {"entry_level": {"min": entry_min, "max": entry_max}, "target_level": target,
                "literacy_accepted": literacy}

    def rome_codes(self, tpl: dict[str, Any]) -> list[str]:
        rome = list(tpl["rome"])
        return rome[: self.rng.randint(1, min(3, len(rome)))] if rome else []

    def schedule(self, tpl: dict[str, Any], carif: bool, modality: str) -> Schedule:
        variants = self.data.schedules[self.rng.choice(tpl["patterns"])]
        per_week = weekly_hours(variants[0])
        unknown = carif and modality != "remote" and self.rng.random() < 0.06
        total = tpl["hours"][self.rng.randrange(len(tpl["hours"]))]
        return Schedule(variants, per_week, unknown, float(per_week * 32 if total == "year" else total))

    def learner_cost(self, tpl: dict[str, Any], funders: list[str], hours: float) -> float:
        """A `fee` range or a `per_hour` price range for the first funder that has one; else free."""
        for f in funders:
            spec = tpl["cost"].get(f)
            if spec is None:
                continue
            if "per_hour" in spec:
                lo, hi = spec["per_hour"]
                return float(max(150, round(hours * self.rng.uniform(lo, hi) / 10) * 10))
            lo, hi = spec["fee"]
            return float(lo if lo == hi else self.rng.randrange(lo, hi + 1, 10 if hi <= 100 else 50))
        return 0.0

    def offer(self, org: Org, run: Run, n: int) -> dict[str, Any]:
        rng = self.rng
        title, tpl = self.course(run, n)
        carif = not org.publish
        funder_choices = tpl["funders"].get(org.type, tpl["funders"]["*"])
        funders = list(rng.choice(funder_choices))
        publics = self.publics(tpl, funders)
        levels = self.levels(tpl, carif)
        modality = rng.choice(tpl["modality"])
        childcare = rng.choice(tpl["childcare"])
        rome = self.rome_codes(tpl)
        schedule = self.schedule(tpl, carif, modality)
        if modality == "remote" or (childcare and not daytime_only(schedule.variants)):
            childcare = None  # no crèche for visio, evening or weekend classes
        cost: float | None = self.learner_cost(tpl, funders, schedule.hours_total)
        if carif and cost == 0 and tpl["kind"] != "cir" and rng.random() < 0.04:
            cost = None  # not stated in the feed
        audience = list(rng.choice(tpl["audience"]))
        offer: dict[str, Any] = {
            "title": title, "summary": "", "kind": tpl["kind"],
            "organisation": {"name": org.name, "siret": org.siret}, "funders": funders, **levels,
            "sectors": [tpl["sector"]] if tpl["sector"] else [], "rome_codes": rome,
            "formacodes": list(tpl["formacodes"]), "modality": modality, "hours_total": schedule.hours_total,
            "hours_per_week": None if schedule.unknown and rng.random() < 0.5 else schedule.hours_per_week,
            "publics": publics, "audience": audience, "childcare": childcare, "cost_to_learner": cost,
            "certification": tpl["certification"],
        }
        offer["summary"] = self.summary(tpl, offer)
        offer["source_updated_at"] = self.updated_at()
        region = self.data.towns[org.towns[0]].reg
        offer["formation_id"] = self.ident(region + "_FO_{:07d}", 10_000, 999_999) if carif else None
        offer["sessions"] = self.sessions(org, tpl, offer, schedule, carif)
        return offer

    def updated_at(self) -> str:
        day = datetime.combine(REFERENCE_DATE - timedelta(days=self.rng.randint(1, 75)), datetime.min.time())
        stamp = day + timedelta(hours=self.rng.choice([2, 3, 6, 9, 14]), minutes=self.rng.randrange(0, 60, 5))
        return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")

    # -- its summary -----------------------------------------------------------------------------
    def summary(self, tpl: dict[str, Any], offer: dict[str, Any]) -> str:
        """The template's summary, then who may enter, childcare, cost, entry and modality."""
        rng, say = self.rng, self.data.sentences
        kind, base = offer["kind"], tpl["summary"]
        parts = [base]
        restricted = [p for p in offer["publics"] if p != "all"]
        parts += [say["publics"][p] for p in restricted
                  if p in say["publics"] and not (p == "cir_signatory" and kind == "cir")]
        if not restricted and kind in ("alpha", "asl", "fle_general") and rng.random() < 0.6:
            parts.append(say["open_to_all"])
        if offer["childcare"] is True and "halte-garderie" not in base:
            parts.append(rng.choice(say["childcare"]))
        parts += self.cost_sentence(offer)
        if tpl["style"] == "year" or kind == "cir":
            parts.append(rng.choice(say["rolling_entry"]))
        elif kind == "fle_pro":
            parts.append(say["vocational_entry"])
        if offer["modality"] in ("remote", "hybrid"):
            parts.append(say[offer["modality"]])
        return " ".join(parts)

    def cost_sentence(self, offer: dict[str, Any]) -> list[str]:
        say, cost = self.data.sentences, offer["cost_to_learner"]
        if cost == 0 and offer["kind"] != "cir":
            return [self.rng.choice(say["free"])]
        if not cost:
            return []
        if "cpf" in offer["funders"]:
            sentence = say["cost_cpf"]
        else:
            sentence = say["membership_fee"] if cost <= 100 else say["fee"]
        return [sentence.format(cost=f"{cost:.0f}")]

    # -- its sessions --------------------------------------------------------------------------
    def year_plans(self, count: int, towns: list[str]) -> list[Plan]:
        """School-year groups with rolling entry (Sept → June), one per site or time slot."""
        rng = self.rng
        plans = [Plan(towns[i % len(towns)], True, rng.choice([-14, -13, -13, -12]), 42) for i in range(count)]
        if rng.random() < 0.25:
            m = add_months(REFERENCE_DATE, rng.randint(2, 4))
            end = date(m.year, 6, 1) if m.month <= 6 else add_months(m, 3)
            plans.append(Plan(towns[0], rng.random() < 0.5, month_start=m, month_end=end))
        return plans

    def cir_plans(self, count: int, towns: list[str], weeks: int) -> list[Plan]:
        """Every other group has continuous entry and has been running for a few weeks."""
        rng = self.rng
        plans = []
        for i in range(count):
            town = towns[i % len(towns)]
            if i % 2 == 0:
                plans.append(Plan(town, True, -rng.randint(2, 10), weeks + rng.randint(0, 4)))
            else:
                plans.append(Plan(town, False, rng.randint(1, 20), weeks))
        return plans

    def cohort_plans(self, count: int, towns: list[str], weeks: int, style: str) -> list[Plan]:
        """Maybe one cohort already finished, maybe one running, then planned ones (far ones by month)."""
        rng = self.rng
        cursor = rng.choice([-weeks - 3, -2, 1, 2, 3]) if style == "cohort" else rng.choice([-weeks - 2, 1, 2])
        plans = []
        for i in range(count):
            plan = Plan(towns[i % len(towns)], False, cursor, weeks)
            if cursor > 14 and rng.random() < 0.35:
                m = add_months(REFERENCE_DATE + timedelta(weeks=cursor), 0)
                end = add_months(m, max(0, math.ceil(weeks / 4.3) - 1)) if rng.random() < 0.7 else None
                plan = Plan(plan.town, False, month_start=m, month_end=end)
            plans.append(plan)
            gap = rng.randint(2, 8) if style == "cohort" else rng.randint(3, 10)
            cursor = max(cursor + (weeks if len(towns) == 1 or style == "short" else 0) + gap, 1)
            if cursor > 34:
                break
        return plans

    def sessions(self, org: Org, tpl: dict[str, Any], offer: dict[str, Any], schedule: Schedule,
                 carif: bool) -> list[dict[str, Any]]:
        rng, style = self.rng, tpl["style"]
        count = rng.randint(*tpl["sessions"])
        remote = offer["modality"] == "remote"
        towns = list(org.towns)
        rng.shuffle(towns)
        weeks = max(1, math.ceil(schedule.hours_total / schedule.hours_per_week))
        if style == "year":
            plans = self.year_plans(count, towns)
        elif style == "cir":
            plans = self.cir_plans(count, towns, weeks)
        else:
            plans = self.cohort_plans(count, towns, weeks, style)
        order = list(range(len(schedule.variants)))
        rng.shuffle(order)
        out = []
        for i, plan in enumerate(plans):
            slots = [] if schedule.unknown else [dict(s) for s in schedule.variants[order[i % len(order)]]]
            ext = self.ident("SE_{:07d}", 100_000, 9_999_999) if carif else f"G{i + 1}"
            out.append(self.session(org, tpl, offer, plan, ext, slots or schedule.variants[0], slots))
        # at most one unknown-date session per offer: an announced session whose dates are not fixed
        if carif and style in ("cohort", "short") and rng.random() < 0.05:
            out.append(self.undated_session(org, towns[0], remote))
        return out

    def session(self, org: Org, tpl: dict[str, Any], offer: dict[str, Any], plan: Plan, ext: str,
                shape: list[Slot], slots: list[Slot]) -> dict[str, Any]:
        carif, remote = not org.publish, offer["modality"] == "remote"
        s: dict[str, Any] = {"external_id": ext, **session_dates(plan, shape)}
        ended = plan.month_start is None and date.fromisoformat(s["end_date"]) < REFERENCE_DATE
        started = plan.month_start is None and date.fromisoformat(s["start_date"]) <= REFERENCE_DATE
        s["rolling_entry"] = plan.rolling
        s["schedule"] = slots
        s["location"] = None if remote else self.location(org, plan.town)
        capacity = self.rng.randint(*tpl["capacity"]) if not remote else self.rng.choice([15, 20, 25])
        status, places = self.status(capacity, plan.rolling or started) if not ended else ("closed", None)
        if carif and status != "closed" and self.rng.random() < 0.1:
            capacity = None
        s["capacity"] = capacity
        s["places_available"] = places
        s["funded_places"] = (capacity if capacity and carif and set(offer["funders"]) &
                              {"region", "france_travail", "ofii"} and self.rng.random() < 0.4 else None)
        s["status"] = status
        return s

    def status(self, capacity: int, entered: bool) -> tuple[str, int | None]:
        """Status and free places of a session not over yet; `entered`: it is already running."""
        rng = self.rng
        r = rng.random()
        if r < 0.08:
            return "full", 0
        if r < 0.11:
            return "open", 0
        if r < 0.14:
            return "suspended", None
        if r < 0.16:
            return "cancelled", None
        places = rng.randint(1, max(1, capacity // 3)) if entered else rng.randint(capacity // 2, capacity)
        if places and rng.random() < 0.22:
            return "open", None  # the feed gives no figure
        return "open", places

    def undated_session(self, org: Org, town: str, remote: bool) -> dict[str, Any]:
        return {"external_id": self.ident("SE_{:07d}", 100_000, 9_999_999), "start_date": None,
                "end_date": None, "start_precision": "day", "end_precision": "day", "rolling_entry": False,
                "schedule": [], "location": None if remote else self.location(org, town),
                "capacity": None, "places_available": None, "funded_places": None, "status": "open"}

    # -- whole catalogue -------------------------------------------------------------------------
    def build(self) -> dict[str, Any]:
        towns = self.data.towns
        for org in self.data.organisations:
            org.siret = make_siret(self.rng, org, towns[org.towns[0]].dep, self.used_siret)
        entries: list[dict[str, Any]] = []
        seen_templates: Counter[str] = Counter()
        for org in self.data.organisations:
            region = towns[org.towns[0]].reg
            source = f"of-{org.siret}" if org.publish else self.data.sources[region]
            for run in org.runs:
                offer = self.offer(org, run, seen_templates[run.template])
                seen_templates[run.template] += 1
                if org.publish:
                    ext = f"{offer['kind'].upper().replace('_', '-')}-{len(entries) % 97 + 1:02d}"
                else:
                    ext = self.ident(region + "_AF_{:07d}", 1_000, 9_999_999)
                entries.append({"source": source, "external_id": ext, "offer": offer})
        return {"reference_date": REFERENCE_DATE.isoformat(), "offers": entries}


def session_dates(plan: Plan, shape: list[Slot]) -> dict[str, Any]:
    """Dates of a session: whole weeks on the class days of `shape`, or the months only."""
    if plan.month_start is not None:
        end = plan.month_end
        return {"start_date": plan.month_start.isoformat(), "start_precision": "month",
                "end_date": month_last(end).isoformat() if end else None,
                "end_precision": "month" if end else "day"}
    return {"start_date": week_start(plan.start_week, shape).isoformat(),
            "end_date": week_end(plan.start_week, plan.weeks, shape).isoformat(),
            "start_precision": "day", "end_precision": "day"}


def build() -> dict[str, Any]:
    """The whole demo catalogue, as written to demo_catalogue.json."""
    return Builder(load_data()).build()


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


# --------------------------------------------------------------------------------------------
# Validation and counts
# --------------------------------------------------------------------------------------------


def validate(data: dict[str, Any]) -> None:
    """Every offer through `OfferIn` (the PUT body), identities unique."""
    root = SEED_DIR.parent
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from app.catalogue.schemas import OfferIn

    keys = set()
    for entry in data["offers"]:
        key = (entry["source"], entry["external_id"])
        assert key not in keys, key
        keys.add(key)
        OfferIn.model_validate(entry["offer"])


def tally(values: Any) -> dict[Any, int]:
    return dict(sorted(Counter(values).items()))


def unknown_counts(offers: list[dict[str, Any]], sessions: list[dict[str, Any]]) -> dict[str, int]:
    return {
        "schedule": sum(not s["schedule"] and s["location"] is not None for s in sessions),
        "places": sum(s["places_available"] is None for s in sessions),
        "start_date": sum(s["start_date"] is None for s in sessions),
        "month_precision": sum(s["start_precision"] == "month" or s["end_precision"] == "month" for s in sessions),
        "entry_level": sum(o["entry_level"]["min"] is None for o in offers),
        "target_level": sum(o["target_level"] is None for o in offers),
        "literacy": sum(not o["literacy_accepted"] for o in offers),
        "childcare": sum(o["childcare"] is None for o in offers),
        "cost": sum(o["cost_to_learner"] is None for o in offers),
    }


def counts(data: dict[str, Any], demo: DemoData) -> dict[str, Any]:
    offers = [e["offer"] for e in data["offers"]]
    sessions = [s for o in offers for s in o["sessions"]]
    region_of_source = {src: r for r, src in demo.sources.items()}

    def region_of(entry: dict[str, Any]) -> str:
        located = [s["location"]["region"] for s in entry["offer"]["sessions"] if s["location"]]
        return demo.region_labels[located[0] if located else region_of_source[entry["source"]]]

    def levels(o: dict[str, Any]) -> set[str]:
        return {o["entry_level"]["min"], o["entry_level"]["max"], o["target_level"]} - {None}

    return {
        "offers": len(offers), "sessions": len(sessions),
        "per_region": tally(region_of(e) for e in data["offers"]),
        "per_departement": tally(s["location"]["departement"] for s in sessions if s["location"]),
        "per_source": tally(e["source"] if not e["source"].startswith("of-") else "of-<siret>"
                            for e in data["offers"]),
        "per_kind": tally(o["kind"] for o in offers),
        "per_funder": tally(f for o in offers for f in o["funders"]),
        "per_sector": tally(x for o in offers for x in o["sectors"]),
        "per_level": tally(lvl for o in offers for lvl in levels(o)),
        "per_modality": tally(o["modality"] for o in offers),
        "per_status": tally(s["status"] for s in sessions),
        "rolling_entry": sum(s["rolling_entry"] for s in sessions),
        "fixed_entry": sum(not s["rolling_entry"] for s in sessions),
        "full": sum(s["status"] == "full" or s["places_available"] == 0 and s["status"] != "closed"
                    for s in sessions),
        "unknown": unknown_counts(offers, sessions),
        "childcare": sum(o["childcare"] is True for o in offers),
        "restricted": tally(p for o in offers for p in o["publics"] if p != "all"),
        "open_to_all": sum(not o["publics"] or o["publics"] == ["all"] for o in offers),
        "paid": sum(bool(o["cost_to_learner"]) for o in offers),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped file, write nothing")
    args = parser.parse_args(argv)
    demo = load_data()
    data = Builder(demo).build()
    validate(data)
    text = dumps(data)
    if args.check:
        same = OUT.exists() and OUT.read_text(encoding="utf-8") == text
        print("demo_catalogue.json is up to date" if same else "demo_catalogue.json differs: rerun build_demo.py")
        return 0 if same else 1
    OUT.write_text(text, encoding="utf-8")
    print(json.dumps(counts(data, demo), ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
