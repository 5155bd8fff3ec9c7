"""Métiers en tension (shortage occupations) by région, loaded from a CSV an administrator can replace.

The legal list is set by decree every year (latest: arrêté du 21 mai 2025, Annex I by région in
FAP families, Annex II FAP → ROME). It is not available in structured form, so the package ships a
*proxy* built from DARES 2019 data (`data/tension_default.csv`, see `seed/build_reference.py`);
an administrator points `settings.tension_csv` at a file in the same format holding the real list.

File format (also in `data/TENSION_FORMAT.md`):

    region;rome_code;sector;label;source
    11;K1302;services_a_la_personne;Assistant / Assistante de vie dépendance;arrêté du 21 mai 2025
    11;F1703;btp;Maçon / Maçonne;arrêté du 21 mai 2025

- UTF-8 (a byte-order mark is accepted), `;`-separated, the first line is exactly the header
  above; one line per (région, ROME code) in shortage. Blank lines are skipped; a repeated
  (région, ROME code) pair is merged.
- `region`: current INSEE région code, two characters (`01` Guadeloupe … `11` Île-de-France …
  `94` Corse). Pre-2016 codes are refused.
- `rome_code`: a ROME code, letter A-N and four digits (`K1302`). The ROME v4 codes attached to it
  (their `code_rome_parent`) are in shortage too: `rome_codes_in()` includes them.
- `sector`: empty or sector codes joined by `|` (`industrie|agroalimentaire`). The sectors the
  shipped sector table gives the ROME code are added anyway.
- `label`: the job title, free text (may be empty).
- `source`: where the line comes from, free text (e.g. `arrêté du 21 mai 2025`). The list counts
  as a proxy (`is_proxy`) when a source contains the word "proxy".
Any error (bad header, wrong number of fields, unknown région, malformed ROME code, unknown sector,
not UTF-8, no line at all) raises `ValueError` naming the line; nothing is loaded then.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from app.reference.communes import regions as _regions
from app.reference.sectors import Sector, sectors_for_rome

log = logging.getLogger(__name__)

HEADER = ["region", "rome_code", "sector", "label", "source"]
DEFAULT_NAME = "tension_default.csv"
_ROME = re.compile(r"^[A-N]\d{4}$")


@dataclass(frozen=True, slots=True)
class TensionEntry:
    region: str
    rome_code: str
    sectors: frozenset[Sector]
    label: str
    source: str
    line: int


@dataclass(frozen=True)
class TensionList:
    """A loaded tension list. Build it with `load_tension`."""

    entries: tuple[TensionEntry, ...]
    source: str  # the distinct `source` values, joined with " ; "
    is_proxy: bool
    origin: str  # the file it was read from ("tension_default.csv" for the shipped one)
    unknown_rome_codes: frozenset[str] = frozenset()  # well-formed codes not in ROME v4.60
    _codes: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)
    _expanded: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)
    _sectors: dict[str, frozenset[Sector]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_entries(cls, entries: list[TensionEntry], origin: str) -> TensionList:
        children = _rome_children()
        codes: dict[str, set[str]] = {}
        sectors: dict[str, set[Sector]] = {}
        for e in entries:
            codes.setdefault(e.region, set()).add(e.rome_code)
            sectors.setdefault(e.region, set()).update(e.sectors, sectors_for_rome(e.rome_code))
        expanded = {
            reg: frozenset(cs).union(*(children.get(c, ()) for c in cs)) for reg, cs in codes.items()
        }
        sources = sorted({e.source for e in entries if e.source})
        known = _rome_labels()
        return cls(
            entries=tuple(entries),
            source=" ; ".join(sources),
            is_proxy=any("proxy" in s.lower() for s in sources),
            origin=origin,
            unknown_rome_codes=frozenset(e.rome_code for e in entries if e.rome_code not in known),
            _codes={reg: frozenset(cs) for reg, cs in codes.items()},
            _expanded=expanded,
            _sectors={reg: frozenset(ss) - {Sector.TOUS_SECTEURS} for reg, ss in sectors.items()},
        )

    def rome_codes_in(self, region: str) -> frozenset[str]:
        """ROME codes in shortage in a région: the listed ones and the ROME v4 codes attached to them."""
        return self._expanded.get(region.strip(), frozenset())

    def listed_rome_codes_in(self, region: str) -> frozenset[str]:
        """Only the ROME codes the file lists for a région."""
        return self._codes.get(region.strip(), frozenset())

    def sectors_in(self, region: str) -> frozenset[Sector]:
        """Sectors with at least one listed ROME code in shortage in a région."""
        return self._sectors.get(region.strip(), frozenset())

    def is_in_tension(self, region: str, rome_code: str) -> bool:
        return rome_code.strip().upper() in self.rome_codes_in(region)

    def items(self) -> list[dict[str, Any]]:
        """One item per région (all 18, in code order) for `GET /v1/reference/tension`."""
        out = []
        for code, name in _regions().items():
            listed = sorted(self._codes.get(code, ()))
            sectors = [s.value for s in Sector if s in self._sectors.get(code, ())]
            if listed:
                description = (
                    f"{len(listed)} codes ROME en tension (avec les codes ROME 4 qui leur sont "
                    f"rattachés) dans {len(sectors)} secteurs. Source : {self.source}."
                )
            else:
                description = f"Aucun métier en tension pour cette région dans la liste chargée ({self.source})."
            out.append({"code": code, "label": name, "description": description,
                        "sectors": sectors, "rome_codes": listed})
        return out


@cache
def _rome_table() -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    labels: dict[str, str] = {}
    children: dict[str, list[str]] = {}
    with resources.files("app.reference").joinpath("data", "rome_v4.csv").open(encoding="utf-8") as fh:
        for code, parent, label in list(csv.reader(fh))[1:]:
            labels[code] = label
            if parent != code:
                children.setdefault(parent, []).append(code)
    return labels, {k: tuple(v) for k, v in children.items()}


def _rome_labels() -> dict[str, str]:
    """ROME v4.60 code → label."""
    return _rome_table()[0]


def _rome_children() -> dict[str, tuple[str, ...]]:
    """ROME v4.60 code → the codes attached to it (`code_rome_parent`)."""
    return _rome_table()[1]


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValueError(f"{name}: line {line}: not UTF-8 text") from None


def parse_tension(text: str, name: str = "tension.csv") -> list[TensionEntry]:
    """Validate and parse a tension CSV text; raises ValueError with the line number."""
    known_regions = _regions()
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    try:
        header = next(reader)
    except StopIteration:
        raise ValueError(f"{name}: line 1: empty file, expected the header {';'.join(HEADER)}") from None
    if [h.strip() for h in header] != HEADER:
        raise ValueError(f"{name}: line 1: bad header {';'.join(header)!r}, expected {';'.join(HEADER)!r}")
    entries: list[TensionEntry] = []
    seen: set[tuple[str, str]] = set()
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(HEADER):
            raise ValueError(f"{name}: line {line}: {len(row)} fields, expected {len(HEADER)} ({';'.join(HEADER)})")
        region, rome_code, sector_text, label, source = (cell.strip() for cell in row)
        if region not in known_regions:
            raise ValueError(f"{name}: line {line}: unknown région code {region!r} "
                             f"(expected one of {', '.join(known_regions)})")
        rome_code = rome_code.upper()
        if not _ROME.match(rome_code):
            raise ValueError(f"{name}: line {line}: bad ROME code {rome_code!r} (expected a letter A-N "
                             "and 4 digits, e.g. K1302)")
        sectors: set[Sector] = set()
        for code in filter(None, (s.strip() for s in sector_text.split("|"))):
            try:
                sectors.add(Sector(code))
            except ValueError:
                raise ValueError(f"{name}: line {line}: unknown sector {code!r}") from None
        if (region, rome_code) in seen:
            continue
        seen.add((region, rome_code))
        entries.append(TensionEntry(region, rome_code, frozenset(sectors), label, source, line))
    if not entries:
        raise ValueError(f"{name}: line {reader.line_num}: no (région, ROME code) line after the header")
    return entries


def load_tension(path: str | Path | None = None) -> TensionList:
    """Load a tension list: `path` (an administrator's file) or, when None, the shipped proxy."""
    if path is None:
        name = DEFAULT_NAME
        data = resources.files("app.reference").joinpath("data", DEFAULT_NAME).read_bytes()
    else:
        name = str(path)
        data = Path(path).read_bytes()
    tension = TensionList.from_entries(parse_tension(_decode(data, name), name), name)
    if tension.unknown_rome_codes:
        log.warning("%s: ROME codes not in ROME v4.60: %s", name, ", ".join(sorted(tension.unknown_rome_codes)))
    return tension


@cache
def default_tension() -> TensionList:
    """The shipped proxy list, loaded once."""
    return load_tension(None)
