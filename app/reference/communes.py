"""French communes (INSEE COG 2024): codes, postcodes, département, région, coordinates, population.

Data: `data/communes.csv` and `data/departements.csv`, built by `seed/build_reference.py` from the
raw INSEE and La Poste files (provenance and columns: that script, `data/SOURCES.md` and README
§ Reference data).
One row per INSEE code: every commune (COM), the 45 municipal arrondissements (ARM) of Paris,
Lyon and Marseille, and the three PLM parents (75056 Paris, 69123 Lyon, 13055 Marseille) whose
population is the sum of their arrondissements and whose position is the population-weighted
mean of theirs.

Rules worth knowing:
- `by_postcode(code)`: a postcode can be shared by several communes (about 4,200 of the 6,200
  postcodes are). It returns the most populous commune having it (ties: the one whose main postcode
  it is, then the lowest INSEE code); `postcode_is_shared(code)` tells whether other communes have
  it too. The PLM parents are left out of the postcode index, so 75011 gives Paris 11e
  Arrondissement (75111), not Paris. In Mayotte, where no population is known, the tie rules
  decide: 97600 gives Koungou (97610), though Mamoudzou (97611) is the larger town.
- `all_communes()` leaves the PLM parents out too (their arrondissements are in it), so drawing
  homes weighted by population does not count Paris twice.
- `population` is None when unknown (Mayotte: the source has 0 for all its communes). The six
  "villages morts pour la France" of the Meuse really have 0 inhabitants.
- `coord_source` is `centroid` (commune centroid), `arrondissements` (PLM parents) or
  `departement_centre` (three 2024 communes the source has no coordinates for: they sit at their
  département's centre, see `departement_centre`).
- Codes are matched after stripping spaces; INSEE codes of Corsica are upper-cased (2A/2B).

Loading: the first lookup parses the table once per process; `Commune` objects are built on
demand (and kept), so the first `all_communes()` call also pays for building them all.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import IO

PLM_PARENTS: frozenset[str] = frozenset({"75056", "69123", "13055"})


@dataclass(frozen=True, slots=True)
class Commune:
    insee: str
    name: str
    postcode: str  # the main one (first of `postcodes`)
    postcodes: tuple[str, ...]
    departement: str
    departement_name: str
    region: str
    region_name: str
    lat: float
    lon: float
    population: int | None  # None: unknown (Mayotte)
    coord_source: str  # centroid | arrondissements | departement_centre


_COMMUNES_HEADER = ["insee", "name", "postcodes", "dep", "reg", "lat", "lon", "population", "coord_source"]
_POPULATION = 7  # column of the population in a raw row


@dataclass(frozen=True, slots=True)
class _Table:
    """The shipped CSVs, parsed but kept as raw rows: building 35,000 frozen dataclass instances
    costs about as much again as parsing, so `Commune` objects are made on demand (and kept)."""

    rows: dict[str, list[str]]  # INSEE code -> raw row, in file (INSEE code) order
    by_postcode: dict[str, tuple[str, ...]]  # postcode -> INSEE codes, most populous first
    departements: dict[str, tuple[str, str]]  # code -> (name, région code)
    regions: dict[str, str]  # code -> name
    made: dict[str, Commune]  # INSEE code -> Commune already built


def _open(name: str) -> IO[str]:
    return resources.files("app.reference").joinpath("data", name).open(encoding="utf-8", newline="")


@cache
def _dep_table() -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """(département code -> (name, région code), région code -> name), in code order."""
    departements: dict[str, tuple[str, str]] = {}
    regions: dict[str, str] = {}
    with _open("departements.csv") as fh:
        reader = csv.reader(fh)
        if next(reader) != ["dep", "dep_name", "reg", "reg_name"]:
            raise ValueError("departements.csv: unexpected header")
        for dep, dep_name, reg, reg_name in reader:
            departements[dep] = (dep_name, reg)
            regions[reg] = reg_name
    return departements, dict(sorted(regions.items()))


@cache
def _table() -> _Table:
    departements, regions = _dep_table()
    rows: dict[str, list[str]] = {}
    shared: dict[str, list[list[str]]] = {}
    with _open("communes.csv") as fh:
        reader = csv.reader(fh)
        if next(reader) != _COMMUNES_HEADER:
            raise ValueError("communes.csv: unexpected header")
        for row in reader:
            rows[row[0]] = row
            if row[0] not in PLM_PARENTS:
                for pc in row[2].split("|"):
                    shared.setdefault(pc, []).append(row)

    def rank(pc: str, row: list[str]) -> tuple[int, bool, str]:
        return (-int(row[_POPULATION] or 0), not row[2].startswith(pc), row[0])

    by_postcode = {
        pc: (rs[0][0],) if len(rs) == 1 else tuple(r[0] for r in sorted(rs, key=lambda r, pc=pc: rank(pc, r)))
        for pc, rs in shared.items()
    }
    return _Table(rows, by_postcode, departements, regions, {})


def _commune(insee: str) -> Commune:
    table = _table()
    made = table.made.get(insee)
    if made is None:
        code, name, postcodes, dep, reg, lat, lon, population, coord_source = table.rows[insee]
        pcs = tuple(postcodes.split("|"))
        made = Commune(  # positional: noticeably faster for the 35,000 of all_communes()
            code, name, pcs[0], pcs, dep, table.departements[dep][0], reg, table.regions[reg],
            float(lat), float(lon), int(population) if population else None, coord_source,
        )
        table.made[insee] = made
    return made


@cache
def _all_communes() -> tuple[Commune, ...]:
    return tuple(_commune(code) for code in _table().rows)


def weighted_centre(points: list[tuple[float, float, int | None]]) -> tuple[float, float]:
    """Population-weighted centre of (lat, lon, population) points; plain mean when no population.
    seed/build_reference.py uses it to place the communes without coordinates."""
    total = sum(p or 0 for _, _, p in points)
    if total > 0:
        lat = sum(la * (p or 0) for la, _, p in points) / total
        lon = sum(lo * (p or 0) for _, lo, p in points) / total
    else:
        lat = sum(la for la, _, _ in points) / len(points)
        lon = sum(lo for _, lo, _ in points) / len(points)
    return round(lat, 5), round(lon, 5)


@cache
def _centres() -> dict[str, tuple[float, float]]:
    points: dict[str, list[tuple[float, float, int | None]]] = {}
    for code, _, _, dep, _, lat, lon, population, coord_source in _table().rows.values():
        if code in PLM_PARENTS or coord_source == "departement_centre":
            continue  # arrondissements already counted; placed at the centre itself
        points.setdefault(dep, []).append((float(lat), float(lon), int(population) if population else None))
    return {dep: weighted_centre(pts) for dep, pts in points.items()}


def by_insee(code: str) -> Commune | None:
    """The commune (or arrondissement, or PLM parent) with this INSEE code; None when unknown."""
    code = code.strip().upper()
    return _commune(code) if code in _table().rows else None


def by_postcode(code: str) -> Commune | None:
    """The most populous commune having this postcode (PLM parents left out); None when unknown."""
    found = _table().by_postcode.get(code.strip())
    return _commune(found[0]) if found else None


def communes_for_postcode(code: str) -> list[Commune]:
    """Every commune having this postcode, most populous first (PLM parents left out)."""
    return [_commune(insee) for insee in _table().by_postcode.get(code.strip(), ())]


def postcode_is_shared(code: str) -> bool:
    """True when several communes (PLM parents not counted) have this postcode."""
    return len(_table().by_postcode.get(code.strip(), ())) > 1


def departement_centre(dep: str) -> tuple[float, float]:
    """(lat, lon) of a département: population-weighted mean of its communes' coordinates.

    The plain mean when no population is known (Mayotte). Raises KeyError for an unknown code.
    """
    code = dep.strip().upper()
    try:
        return _centres()[code]
    except KeyError:
        raise KeyError(f"unknown département {dep!r}") from None


def region_name(code: str) -> str | None:
    """Name of a région (current INSEE code, e.g. "11" → "Île-de-France"); None when unknown."""
    return _dep_table()[1].get(code.strip())


def departement_name(code: str) -> str | None:
    """Name of a département (e.g. "93" → "Seine-Saint-Denis"); None when unknown."""
    found = _dep_table()[0].get(code.strip().upper())
    return found[0] if found else None


def all_communes(include_plm_parents: bool = False) -> list[Commune]:
    """Every commune and arrondissement, in INSEE code order.

    The PLM parents (Paris, Lyon, Marseille as a whole) are left out unless asked for: their
    arrondissements are already in the list, with the population.
    """
    everything = _all_communes()
    if include_plm_parents:
        return list(everything)
    return [c for c in everything if c.insee not in PLM_PARENTS]


def regions() -> dict[str, str]:
    """Région code → name, in code order (18 régions, overseas ones 01-06 first)."""
    return dict(_dep_table()[1])


def departements() -> dict[str, tuple[str, str]]:
    """Département code → (name, région code), in code order."""
    return dict(_dep_table()[0])
