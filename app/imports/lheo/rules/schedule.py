"""Hours (total, per week) and the weekly schedule stated in `rythme-formation`."""

from __future__ import annotations

import re

from app.imports.lheo.rules.text import fold, parse_number
from app.reference.catalogue_codes import Day

_WEEKLY = re.compile(r"(\d{1,2}(?:[.,]\d+)?)\s*h(?:eures?)?(?:\s*\d{2})?\s*(?:par|/|\bpar\b)\s*semaine|"
                     r"(\d{1,2}(?:[.,]\d+)?)\s*h(?:eures?)?\s*hebdo(?:madaires?)?")


def hours(*, total: str | None, centre: str | None, entreprise: str | None, duree_hebdo: str | None,
          rythme: str | None) -> tuple[float | None, float | None, list[str]]:
    """(hours_total, hours_per_week, warnings): total from `nombre-heures-total` (else centre +
    entreprise); weekly from the `duree-hebdo` extra, else « 12 h par semaine » in the rhythm."""
    warnings: list[str] = []
    t = parse_number(total)
    if t is None:
        parts = [p for p in (parse_number(centre), parse_number(entreprise)) if p is not None]
        t = sum(parts) if parts else None
    if t is not None and not 0 <= t <= 10_000:
        warnings.append(f"nombre d'heures total invraisemblable ignoré : {t:g}")
        t = None
    w = parse_number(duree_hebdo)
    if w is None and rythme:
        m = _WEEKLY.search(fold(rythme))
        if m:
            w = float((m.group(1) or m.group(2)).replace(",", "."))
    if w is not None and not 0 <= w <= 80:
        warnings.append(f"durée hebdomadaire invraisemblable ignorée : {w:g} h")
        w = None
    return t, w, warnings


_DAY_WORDS = {"lundi": Day.MON, "mardi": Day.TUE, "mercredi": Day.WED, "jeudi": Day.THU, "vendredi": Day.FRI,
              "samedi": Day.SAT, "dimanche": Day.SUN}
_DAY_ORDER = list(Day)
_D = r"(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)s?"
_T = r"(\d{1,2})\s*(?:h|:)\s*(\d{2})?"
_SCHED_TOKEN = re.compile(
    rf"\bdu\s+{_D}\s+au\s+{_D}\b|\b{_D}\s*(?:au|-|a)\s*{_D}\b|\bsauf\s+(?:le\s+|les\s+)?{_D}\b|\b{_D}\b|"
    rf"(?<![\d])(?:de\s+)?{_T}\s*(?:-|a|au|jusqu'a|/)\s*{_T}")


def _hhmm(h: str, m: str | None) -> str | None:
    hh, mm = int(h), int(m or 0)
    if hh > 24 or mm > 59 or (hh == 24 and mm):
        return None
    return f"{hh:02d}:{mm:02d}"


_ANY_DIGIT = re.compile(r"\d")


def parse_schedule(text: str | None) -> tuple[list[dict[str, str]], list[str]]:
    """Weekly slots from `rythme-formation` when it states days AND hours:
    « lundi et jeudi de 9h à 12h30 », « du lundi au vendredi 9h-12h », « mardi, jeudi 14h00-17h00 »,
    « lundi 9h-12h, mercredi 14h-16h ». Days without hours (or hours without days) → [] (unknown),
    with a warning when something was half-stated. Returns dicts {day, start, end}."""
    t = fold(text)
    if not t or not _ANY_DIGIT.search(t):  # no hour can be stated: nothing to read, nothing half-said
        return [], []
    groups, bad = _day_groups(t)
    if not groups:
        return [], []
    if bad or any(not d or not r for d, r in groups):
        has_info = any(d for d, _ in groups) and any(r for _, r in groups)
        return [], (["horaires partiellement indiqués dans le rythme : emploi du temps laissé inconnu"]
                    if has_info or bad else [])
    return _slots(groups), []


_Group = tuple[list[Day], list[tuple[str, str]]]  # days, and the (start, end) hours they share


def _day_groups(t: str) -> tuple[list[_Group], bool]:
    """Days and hours as stated, in order, grouped (a day named after hours starts a new group);
    True when an hour range could not be read."""
    groups: list[_Group] = []
    days: list[Day] = []
    ranges: list[tuple[str, str]] = []
    bad = False
    for m in _SCHED_TOKEN.finditer(t):
        g = m.groups()
        if g[0]:  # du X au Y
            new = _day_span(g[0], g[1])
        elif g[2]:  # X au Y
            new = _day_span(g[2], g[3])
        elif g[4]:  # sauf X
            d = _DAY_WORDS[g[4]]
            days = [x for x in days if x is not d]
            continue
        elif g[5]:
            new = [_DAY_WORDS[g[5]]]
        else:
            start, end = _hhmm(g[6], g[7]), _hhmm(g[8], g[9])
            if start is None or end is None or end <= start:
                bad = True
                continue
            ranges.append((start, end))
            continue
        if ranges:  # a new day after hours closes the previous group
            groups.append((days, ranges))
            days, ranges = [], []
        days.extend(d for d in new if d not in days)
    if days or ranges:
        groups.append((days, ranges))
    return groups, bad


def _slots(groups: list[_Group]) -> list[dict[str, str]]:
    slots: list[dict[str, str]] = []
    for ds, rs in groups:
        for d in ds:
            for start, end in rs:
                slot = {"day": d.value, "start": start, "end": end}
                if slot not in slots:
                    slots.append(slot)
    slots.sort(key=lambda s: (_DAY_ORDER.index(Day(s["day"])), s["start"]))
    return slots


def _day_span(a: str, b: str) -> list[Day]:
    i, j = _DAY_ORDER.index(_DAY_WORDS[a]), _DAY_ORDER.index(_DAY_WORDS[b])
    return _DAY_ORDER[i:j + 1] if i <= j else []
