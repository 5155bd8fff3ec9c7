"""Build the reference tables shipped in `app/reference/data/` from the raw sources.

Run once by developers (re-runnable and deterministic: same inputs, same bytes out):

    .venv/bin/python seed/build_reference.py [REF_DIR] [--out DIR] [--check]

REF_DIR is the raw reference folder (default `../shared/data/ref` beside the repository; see its
SOURCES.md). The installed package never reads REF_DIR: everything needed at runtime is written to
`app/reference/data/`:

- `communes.csv`      one row per INSEE code (COM + ARM + the PLM parents Paris/Lyon/Marseille):
                      insee, name, postcodes (`|`-joined, main one first), dep, reg, lat, lon
                      (5 decimals), population (empty = unknown: Mayotte), coord_source
                      (`centroid`, `arrondissements` for the PLM parents, `departement_centre`
                      for the communes the source gives no coordinates).
- `departements.csv`  dep, dep_name, reg, reg_name. The names live here rather than on each
                      commune row: repeating them made communes.csv ~3.05 MB instead of ~1.9 MB.
- `rome_v4.csv`       the ROME v4.60 codes: rome_code, parent (the v3-level fiche a v4 code is
                      attached to), rome_label. Used to validate codes and expand tension lists.
- `sectors_rome.csv`  sector, rome_code, rome_label: the rules in SECTOR_RULES below.
- `tension_default.csv` the default "métiers en tension" list (see TENSION_FORMAT.md there):
                      a proxy built from DARES 2019, NOT the legal list.

`--check` rebuilds in memory and exits 1 when a shipped file differs (nothing is written).
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REF = ROOT.parent / "shared" / "data" / "ref"
DEFAULT_OUT = ROOT / "app" / "reference" / "data"

if str(ROOT) not in sys.path:  # run as a script from anywhere: make `app` importable
    sys.path.insert(0, str(ROOT))

from app.reference.communes import weighted_centre  # noqa: E402
from app.reference.sectors import Sector  # noqa: E402

PLM_PARENTS = ("75056", "69123", "13055")  # Paris, Lyon, Marseille: sums of their arrondissements
ROME_CODE = re.compile(r"^[A-N]\d{4}$")

# ---------------------------------------------------------------------------------------------
# Sector -> ROME v4 rules.
#
# A rule is one of:
#   "K13"    every ROME code starting with these 3 characters (a ROME "domaine professionnel",
#            letter + 2 digits, e.g. K13 = "Aide à la vie quotidienne");
#   "K1302"  exactly this code;
#   "K1302+" this code and every ROME v4 code attached to it (`code_rome_parent`), i.e. the v3
#            fiche and its v4.60 specialisations.
# A sector covers include − exclude. Titles quoted below are the ROME v4.60 ones.
# ---------------------------------------------------------------------------------------------
SECTOR_RULES: dict[str, dict[str, list[str]]] = {
    "services_a_la_personne": {
        "include": [
            # K13 "Aide à la vie quotidienne": K1302 Assistant(e) de vie dépendance (aide à
            # domicile), K1303 Garde d'enfant, K1304 Employé(e) familial(e), K1305 TISF,
            # K1306 AES, K1310 Assistant(e) maternel(le), K1311 Assistant(e) de vie aux familles…
            "K13",
            # J1501 Aide-soignant(e): also here because the sector covers aide-soignant à domicile.
            "J1501",
        ],
        "exclude": [
            "K1301",  # Educateur en locomotion: rehabilitation of blind people, a paramedical job
        ],
    },
    "hotellerie_restauration": {
        "include": [
            "G14",  # Gestion et direction (hôtellerie-restauration; tourism/sport ones excluded)
            "G15",  # Personnel d'étage en hôtellerie (G1501 Employé(e) d'étage…)
            "G16",  # Production culinaire (G1602 Commis de cuisine, G1605 Plongeur…)
            "G17",  # Accueil en hôtellerie (G1703 Réceptionniste…)
            "G18",  # Service (G1803 Serveur en restauration, G1801 Barman…)
        ],
        "exclude": [
            # G11 (accueil touristique), G12 (animation de loisirs), G13 (produits touristiques)
            # are not included at all; within G14, drop the tourism/sport/leisure directions:
            "G1403",  # Directeur de structure touristique
            "G1405",  # Directeur de structure sportive
            "G1406",  # Directeur d'équipement sportif
            "G1412",  # Directeur de parc à thème
            "G1414",  # Directeur d'exploitation de site de divertissement
        ],
    },
    "btp": {
        "include": [
            "F12",  # Conduite et encadrement de chantier (chef de chantier, chef d'équipe…)
            "F13",  # Engins de chantier (grutier, conducteur d'engins)
            "F14",  # Extraction (foreur, extracteur de roches)
            "F15",  # Montage de structures (charpentier, échafaudeur…)
            "F16",  # Second oeuvre (plâtrier, électricien du bâtiment, plombier, peintre…)
            "F17",  # Travaux et gros oeuvre (coffreur, maçon, manœuvre bâtiment…)
        ],
        # F11 "Conception et études" (architectes, bureaux d'études, géosciences) is left out.
        "exclude": [],
    },
    "proprete": {
        "include": [
            "K22",  # Nettoyage et propreté industriels: K2201 Blanchisseur industriel,
            #         K2202 Laveur de vitres, K2203 Responsable de site nettoyage,
            #         K2204 Agent de nettoyage industriel, K2205 Agent de propreté de locaux
            "K2301",  # Agent d'exploitation des réseaux d'assainissement
            "K2321",  # Egoutier
            "K2303+",  # Ripeur, Agent de propreté urbaine, Ambassadeur du tri, Agent de déchetterie
            "K2304+",  # Agent de tri des déchets, Opérateur de tri, Technicien réutilisation
            "K2305+",  # Agent de désinsectisation, Technicien hygiéniste
        ],
        "exclude": [],
    },
    "logistique": {
        "include": [
            "N11",  # Magasinage, manutention des charges et déménagement (cariste, préparateur
            #         de commandes, magasinier, manutentionnaire…)
            "N12",  # Organisation de la circulation des marchandises (affrètement, transit)
            "N13",  # Personnel d'encadrement de la logistique
        ],
        "exclude": [],
    },
    "agriculture": {
        "include": [
            "A11",  # Engins agricoles et forestiers
            "A12",  # Espaces naturels et espaces verts (jardinier paysagiste, bûcheron…)
            "A14",  # Production (cultures, élevage, viticulture, maraîchage, pêche…)
            # A13 "Etudes et assistance technique": only the farm technicians, not the
            # environment/research jobs (chargé de mission biodiversité, ingénieur…).
            "A1301",  # Technicien de culture maraîchère
            "A1302",  # Technicien agricole
            "A1304",  # Conseiller technique agricole
            "A1308",  # Technicien de l'insémination animale
            "A1309",  # Technicien d'élevage équin
            "A1310",  # Technicien de production animale
        ],
        # A15 "Soins aux animaux" (vétérinaire, toiletteur, dresseur…) is left out.
        "exclude": [],
    },
    "industrie": {
        "include": [
            "H",  # The whole ROME domain H "Industrie" (production, méthodes, qualité, mécanique,
            #       soudure, chaudronnerie, plasturgie, conditionnement, agroalimentaire…)
            # Industrial maintenance from domain I "Installation et maintenance":
            "I1102+",  # Ingénieur de maintenance industrielle
            "I1302+",  # Technicien de maintenance d'installations automatisées
            "I1304+",  # Technicien de maintenance industrielle
            "I1309+",  # Electricien de maintenance
            "I1310+",  # Mécanicien de maintenance industrielle
        ],
        "exclude": [],
    },
    "agroalimentaire": {
        "include": [
            "H21",  # Industrie alimentaire: H2101 Ouvrier d'abattoir, H2102 Conducteur de ligne
            #         en industrie alimentaire, H2103 Opérateur de transformation des viandes,
            #         H2104 Fromager industriel, H2105 Agent de production en industrie alimentaire
            "H3302",  # Agent de conditionnement (mostly food packing)
            # Métiers de bouche (D11), with their chef / specialised v4 codes:
            "D1101+",  # Boucher
            "D1102+",  # Boulanger
            "D1103+",  # Charcutier-traiteur
            "D1104+",  # Pâtissier, Chocolatier, Glacier
            "D1105",  # Poissonnier
            "D1114",  # Torréfacteur
        ],
        # D1106 Vendeur en épicerie and D1107 grossiste are sales jobs: commerce only.
        "exclude": [],
    },
    "securite_privee": {
        "include": [
            "K25",  # Sécurité privée: K2503 Agent de prévention et de sécurité, K2504 sécurité
            #         événementielle, K2506 Convoyeur de fonds, K2507 sûreté aéroportuaire,
            #         K2509 télésurveillance, K2510 agent cynophile, K2502 responsable sécurité…
        ],
        "exclude": [
            "K2501",  # Gardien d'immeuble: building caretaker, not a security job
        ],
    },
    "sante": {
        "include": [
            "J1",  # Santé: J11 praticiens médicaux, J12 médico-techniques (pharmacien…),
            #        J13 professionnels médico-techniques (J1301 ASH, J1304 auxiliaire de
            #        puériculture, J1305 ambulancier…), J14 rééducation, J15 soins paramédicaux
            #        (J1501 aide-soignant, J1506 infirmier…)
            "D1436",  # Assistant de régulation médicale (SAMU), filed under D14 by the ROME
        ],
        "exclude": [],
    },
    "transport": {
        "include": [
            "N41",  # Conduite du transport routier (poids lourd, bus, VTC, livreur…)
            "N42",  # Encadrement du transport routier
            "N43",  # Personnel navigant du transport terrestre (train, métro, contrôleur)
            "N44",  # Personnel sédentaire du transport ferroviaire (aiguilleur…)
        ],
        # N2 (aérien) and N3 (maritime et fluvial) are left out.
        "exclude": [],
    },
    "commerce": {
        "include": [
            "D1",  # Commerce, vente et grande distribution: D11 commerce alimentaire, D12 commerce
            #        non alimentaire, D13 direction de magasin, D14 force de vente, D15 grande
            #        distribution (D1505 Hôte de caisse, D1507 Employé de rayon libre-service…)
        ],
        "exclude": [
            # D12 also holds personal-care services ("prestations de confort"), not sales:
            "D1202+",  # Coiffeur (barbier, posticheur…)
            "D1203",  # Agent de soins en hydrothérapie
            "D1205+",  # Employé de pressing, laverie, repasseur, linger
            "D1206",  # Cordonnier
            "D1207",  # Retoucheur en habillement
            "D1208+",  # Esthéticien (spa, prothésiste ongulaire…)
            "D1428",  # Superviseur en assistance de régulation médicale
            "D1436",  # Assistant de régulation médicale: santé
        ],
    },
    "numerique": {
        "include": [
            "M18",  # Systèmes d'information et de télécommunication (développeur, administrateur
            #         systèmes et réseaux, technicien d'exploitation, cybersécurité…)
            "I1401",  # Technicien de maintenance en informatique
        ],
        "exclude": [
            "M1808",  # Cartographe
            "M1809+",  # Météorologue and the weather jobs attached to it
        ],
    },
}

# ---------------------------------------------------------------------------------------------
# Tension proxy (DARES 2019). `Tension ` is the DARES/Pôle emploi synthetic tension indicator
# (online job offers / jobseekers, exit rate from the jobseeker lists, share of recruitments
# employers expect to be difficult; centred and reduced on 2014-2018) and `Catégorie Tension` the
# same cut from 1 to 5 at the quintiles of that reference distribution (DARES labels: 1 "rares",
# 2 "faibles", 3 "moyennes", 4 "élevées", 5 "très fortes").
# Threshold: a (région, FAP 225 family) is in shortage when its category is 5, "tension très
# forte" (indicator ≳ 0.51, the top quintile of the reference period). Rows without a category
# (too few observations: DARES imputes the value) are skipped.
# 2019 was a high-tension year, so this is broad: 35-38 families in each overseas région,
# 65-113 in each metropolitan one (about half of the measured families). A stricter cut, such as
# the top fifth of each région's families, keeps mostly engineers and technicians and drops the
# jobs FLE learners aim at (aides à domicile, cuisiniers, maçons, conducteurs routiers…).
# Each FAP becomes ROME codes through the DARES FAP2009 -> ROME v3 table (all of whose codes
# still exist in ROME v4.60).
TENSION_MIN_CATEGORY = 5
TENSION_SOURCE = "proxy DARES 2019 (pas la liste légale)"

# Pre-2016 région codes -> current ones (the 2019 DARES file already uses current codes; kept
# so that an older extract maps too).
OLD_REGION_CODES = {
    "42": "44", "21": "44", "41": "44",  # Alsace, Champagne-Ardenne, Lorraine -> Grand Est
    "31": "32", "22": "32",  # Nord-Pas-de-Calais, Picardie -> Hauts-de-France
    "23": "28", "25": "28",  # Haute-/Basse-Normandie -> Normandie
    "26": "27", "43": "27",  # Bourgogne, Franche-Comté
    "72": "75", "54": "75", "74": "75",  # Aquitaine, Poitou-Charentes, Limousin
    "73": "76", "91": "76",  # Midi-Pyrénées, Languedoc-Roussillon -> Occitanie
    "82": "84", "83": "84",  # Rhône-Alpes, Auvergne
}


# --------------------------------------------------------------------------- helpers


def _read_csv(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


def _write_csv(header: list[str], rows: Iterable[Iterable[object]], delimiter: str = ",") -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def _coord(value: float) -> str:
    return repr(round(value, 5))


# --------------------------------------------------------------------------- communes


@dataclass
class _CommuneRow:
    insee: str
    name: str
    postcodes: list[str]
    dep: str
    reg: str
    lat: float | None
    lon: float | None
    population: int | None
    coord_source: str


def build_communes(ref: Path) -> tuple[str, str, dict[str, object]]:
    """communes.csv and departements.csv texts, plus some facts for the report."""
    source_of = {"datas.fun": "centroid", "derived_pop_weighted_ARM": "arrondissements"}
    deps: dict[str, tuple[str, str, str]] = {}
    rows: list[_CommuneRow] = []
    for r in _read_csv(ref / "communes" / "communes_fr_2024.csv"):
        if r["type"] not in ("COM", "ARM"):
            raise ValueError(f"unexpected commune type {r['type']!r} for {r['code_insee']}")
        dep, reg = r["dep_code"], r["reg_code"]
        known = deps.setdefault(dep, (r["dep_nom"], reg, r["reg_nom"]))
        if known != (r["dep_nom"], reg, r["reg_nom"]):
            raise ValueError(f"département {dep} has two names or régions")
        postcodes = r["codes_postaux"].split("|")
        main = r["code_postal_principal"]
        postcodes = [main] + [pc for pc in postcodes if pc != main]  # the main postcode first
        population: int | None = int(r["population"])
        if dep == "976" and population == 0:
            population = None  # Mayotte: 0 in the source means unknown
        has_coords = bool(r["lat"] and r["lon"])
        rows.append(_CommuneRow(
            insee=r["code_insee"], name=r["nom"], postcodes=postcodes, dep=dep, reg=reg,
            lat=round(float(r["lat"]), 5) if has_coords else None,
            lon=round(float(r["lon"]), 5) if has_coords else None,
            population=population,
            coord_source=source_of[r["coord_source"]] if has_coords else "",
        ))
    rows.sort(key=lambda row: row.insee)

    # Département centres from the communes that have coordinates (PLM parents excluded: their
    # arrondissements are already counted).
    points: dict[str, list[tuple[float, float, int | None]]] = defaultdict(list)
    for row in rows:
        if row.lat is not None and row.lon is not None and row.insee not in PLM_PARENTS:
            points[row.dep].append((row.lat, row.lon, row.population))
    filled = []
    for row in rows:
        if row.lat is None or row.lon is None:
            row.lat, row.lon = weighted_centre(points[row.dep])
            row.coord_source = "departement_centre"
            filled.append(f"{row.insee} {row.name}")

    communes_csv = _write_csv(
        ["insee", "name", "postcodes", "dep", "reg", "lat", "lon", "population", "coord_source"],
        (
            [row.insee, row.name, "|".join(row.postcodes), row.dep, row.reg, _coord(row.lat or 0.0),
             _coord(row.lon or 0.0), "" if row.population is None else row.population, row.coord_source]
            for row in rows
        ),
    )
    deps_csv = _write_csv(
        ["dep", "dep_name", "reg", "reg_name"],
        ([dep, name, reg, reg_name] for dep, (name, reg, reg_name) in sorted(deps.items())),
    )
    facts = {
        "communes": len(rows),
        "departement_centre": filled,
        "population_unknown": sum(1 for row in rows if row.population is None),
        "population_zero": [f"{row.insee} {row.name}" for row in rows if row.population == 0],
    }
    return communes_csv, deps_csv, facts


# --------------------------------------------------------------------------- ROME and sectors


def read_rome(ref: Path) -> dict[str, dict[str, str]]:
    """ROME v4.60 codes -> {label, parent}, in code order."""
    out: dict[str, dict[str, str]] = {}
    for r in _read_csv(ref / "rome" / "unix_referentiel_code_rome_v460_utf8.csv"):
        code = r["code_rome"].strip()
        if not ROME_CODE.match(code):
            raise ValueError(f"bad ROME code {code!r} in the ROME file")
        out[code] = {"label": r["libelle_rome"].strip(), "parent": r["code_rome_parent"].strip() or code}
    return dict(sorted(out.items()))


def build_rome(rome: dict[str, dict[str, str]]) -> str:
    return _write_csv(["rome_code", "parent", "rome_label"],
                      ([code, v["parent"], v["label"]] for code, v in rome.items()))


def _expand_rule(rule: str, rome: dict[str, dict[str, str]], sector: str) -> set[str]:
    if rule.endswith("+"):
        code = rule[:-1]
        codes = {c for c, v in rome.items() if c == code or v["parent"] == code}
        if code not in rome:
            raise ValueError(f"{sector}: ROME code {code} (rule {rule!r}) is not in ROME v4.60")
    elif ROME_CODE.match(rule):
        if rule not in rome:
            raise ValueError(f"{sector}: ROME code {rule} is not in ROME v4.60")
        codes = {rule}
    else:
        codes = {c for c in rome if c.startswith(rule)}
        if not codes or not re.match(r"^[A-N]\d{0,3}$", rule):
            raise ValueError(f"{sector}: rule {rule!r} matches no ROME code")
    return codes


def sector_codes(rome: dict[str, dict[str, str]]) -> dict[str, list[str]]:
    expected = [s.value for s in Sector if s is not Sector.TOUS_SECTEURS]
    if sorted(SECTOR_RULES) != sorted(expected):
        raise ValueError(f"SECTOR_RULES keys {sorted(SECTOR_RULES)} != sectors {sorted(expected)}")
    out: dict[str, list[str]] = {}
    for sector in expected:  # enum order
        rules = SECTOR_RULES[sector]
        codes: set[str] = set()
        for rule in rules["include"]:
            codes |= _expand_rule(rule, rome, sector)
        for rule in rules["exclude"]:
            codes -= _expand_rule(rule, rome, sector)
        if not codes:
            raise ValueError(f"sector {sector} covers no ROME code")
        out[sector] = sorted(codes)
    return out


def build_sectors(rome: dict[str, dict[str, str]], by_sector: dict[str, list[str]]) -> str:
    return _write_csv(["sector", "rome_code", "rome_label"],
                      ([s, c, rome[c]["label"]] for s, codes in by_sector.items() for c in codes))


# --------------------------------------------------------------------------- tension


def _region_code(raw: str) -> str:
    code = raw.strip()
    if code.endswith(".0"):  # the DARES extract stores codes as floats: "11.0", "1.0"
        code = code[:-2]
    code = code.zfill(2)
    return OLD_REGION_CODES.get(code, code)


def build_tension(ref: Path, rome: dict[str, dict[str, str]], by_sector: dict[str, list[str]],
                  regions: set[str]) -> tuple[str, dict[str, object]]:
    fap_rome: dict[str, list[str]] = defaultdict(list)
    for r in _read_csv(ref / "tension" / "fap2009_rome_v3.csv", delimiter=";"):
        code = (r.get("Rome") or "").strip()
        if not code or code == "NA":
            continue  # FAP families with no ROME code (self-employed) and 3 blank lines
        if code not in rome:
            raise ValueError(f"FAP {r['Fap']}: ROME {code} is not in ROME v4.60")
        fap_rome[r["Fap"].strip()].append(code)

    sectors_of: dict[str, list[str]] = defaultdict(list)
    for sector, codes in by_sector.items():
        for code in codes:
            sectors_of[code].append(sector)

    # région -> measured families as (tension indicator, FAP, category)
    measured: dict[str, list[tuple[float, str, float]]] = defaultdict(list)
    for r in _read_csv(ref / "tension" / "dares_tensions_2019_fap_nat_reg_dep.csv"):
        if r["niveau_geo"].strip() != "reg" or r["niveau_fap"].strip() != "fap 225":
            continue
        if r["Année"].strip() != "2019":
            raise ValueError(f"unexpected year {r['Année']!r}")
        category = r["Catégorie Tension"].strip()
        if not category:
            continue  # not measured (too few observations; the indicator value is imputed)
        region = _region_code(r["reg"])
        if region not in regions:
            raise ValueError(f"unknown région code {r['reg']!r} in the DARES file")
        measured[region].append((float(r["Tension "]), r["fap"].strip(), float(category)))

    pairs: set[tuple[str, str]] = set()
    tense_faps: dict[str, int] = {}
    for region, families in sorted(measured.items()):
        chosen = sorted(fap for _, fap, category in families if category >= TENSION_MIN_CATEGORY)
        tense_faps[region] = len(chosen)
        for fap in chosen:
            for code in fap_rome.get(fap, []):
                pairs.add((region, code))

    text = _write_csv(
        ["region", "rome_code", "sector", "label", "source"],
        ([reg, code, "|".join(sectors_of.get(code, [])), rome[code]["label"], TENSION_SOURCE]
         for reg, code in sorted(pairs)),
        delimiter=";",
    )
    per_region: dict[str, int] = defaultdict(int)
    for reg, _ in pairs:
        per_region[reg] += 1
    facts = {"rows": len(pairs), "faps_per_region": tense_faps,
             "rome_per_region": dict(sorted(per_region.items()))}
    return text, facts


# --------------------------------------------------------------------------- main


def build_all(ref: Path) -> tuple[dict[str, str], dict[str, object]]:
    """Every shipped file name -> its text, and facts worth reporting."""
    ref = Path(ref)
    communes_csv, deps_csv, commune_facts = build_communes(ref)
    regions = {line.split(",")[2] for line in deps_csv.splitlines()[1:]}
    rome = read_rome(ref)
    by_sector = sector_codes(rome)
    tension_csv, tension_facts = build_tension(ref, rome, by_sector, regions)
    files = {
        "communes.csv": communes_csv,
        "departements.csv": deps_csv,
        "rome_v4.csv": build_rome(rome),
        "sectors_rome.csv": build_sectors(rome, by_sector),
        "tension_default.csv": tension_csv,
    }
    facts = {"communes": commune_facts, "tension": tension_facts,
             "sectors": {s: len(c) for s, c in by_sector.items()}}
    return files, facts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ref", nargs="?", type=Path, default=DEFAULT_REF,
                        help="raw reference folder (default: ../shared/data/ref)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument("--check", action="store_true", help="only check the shipped files are up to date")
    args = parser.parse_args(argv)
    if not args.ref.is_dir():
        parser.error(f"{args.ref} is not a folder")
    files, facts = build_all(args.ref)
    stale = []
    for name, text in files.items():
        path = args.out / name
        data = text.encode("utf-8")
        current = path.read_bytes() if path.exists() else None
        if current == data:
            continue
        stale.append(name)
        if not args.check:
            args.out.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    for name in files:
        size = len(files[name].encode("utf-8"))
        state = ("stale" if args.check else "written") if name in stale else "up to date"
        print(f"{name:22} {size:>10,} bytes  {state}")
    print(f"facts: {facts}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
