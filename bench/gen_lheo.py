"""Write a synthetic national LHÉO 2.3 feed (FLE-heavy) for benchmarks.

    .venv/bin/python bench/gen_lheo.py --offers 20000 [--out bench/out/lheo-20000.xml] [--seed 1]
                                       [--sessions-per-action 3] [--anchor 2026-09-01]

`--offers` counts actions (one catalogue offer each); about 10 % are not FLE (to be skipped).
Every mapping path of `app.imports.lheo` is exercised: all funder codes (with programme texts),
level phrasings, schedules, date precisions, places, statuses, remote/hybrid, geolocated,
INSEE-only and postcode-only places in real communes drawn by population. The output is streamed
formation by formation and is identical for the same (seed, anchor); session dates are placed
around `--anchor` (the "today" the expected statuses assume).

Reuse: `iter_actions(n, seed=…)` yields one plain dict per action:
    {"formation_id", "external_id", "fle": bool,
     "offer": dict | None,   # OfferIn keyword arguments (codes, ISO dates): OfferIn(**a["offer"])
     "lheo": {...}}          # what the XML writer needs
`offer` is what the LHÉO mapper must produce for that action (None for non-FLE actions), so other
benchmarks can build `OfferIn` objects directly and tests can check the parser round trip.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.reference.levels import LEVELS, Level  # noqa: E402
from app.reference.sectors import sectors_for_rome  # noqa: E402

ANCHOR = date(2026, 9, 1)
NS = "http://lheo.gouv.fr/2.3"


# ---------------------------------------------------------------------------------------------
# Places
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Place:
    insee: str
    name: str
    postcode: str
    lat: float
    lon: float
    population: int


_FALLBACK = [  # used only when the commune reference is not installed
    Place("75111", "Paris 11e Arrondissement", "75011", 48.86007, 2.38156, 142583),
    Place("13201", "Marseille 1er Arrondissement", "13001", 43.30018, 5.38276, 39436),
    Place("69388", "Lyon 8e Arrondissement", "69008", 45.7342, 4.86954, 86326),
    Place("31555", "Toulouse", "31000", 43.6007, 1.43284, 504078),
    Place("59350", "Lille", "59000", 50.63108, 3.04702, 236710),
    Place("93066", "Saint-Denis", "93200", 48.9268, 2.3657, 113942),
    Place("35238", "Rennes", "35000", 48.11593, -1.68844, 225081),
    Place("44109", "Nantes", "44000", 47.2316, -1.5483, 323204),
]


def load_places() -> list[Place]:
    """Real communes with a known population (app.reference.communes, else its CSV)."""
    try:
        from app.reference.communes import all_communes
        return [Place(c.insee, c.name, c.postcode, c.lat, c.lon, c.population)
                for c in all_communes() if c.population]
    except (ImportError, FileNotFoundError):
        pass
    path = ROOT / "app" / "reference" / "data" / "communes.csv"
    if not path.exists():
        return list(_FALLBACK)
    out = []
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            pop = int(row["population"] or 0)
            if pop > 0:
                pcs = row.get("postcodes") or row.get("postcode") or ""
                out.append(Place(row["insee"], row["name"], pcs.split("|")[0].split(";")[0][:5],
                                 float(row["lat"]), float(row["lon"]), pop))
    return out or list(_FALLBACK)


# ---------------------------------------------------------------------------------------------
# Phrasing tables (text as an organisation writes it → what the mapper must read)
# ---------------------------------------------------------------------------------------------

# (code, programme text or None, expected funder code)
FUNDERS_GENERAL = [
    ("2", "PRF 2026 - Compétences clés", "region"), ("2", None, "region"),
    ("4", "AIF", "france_travail"), ("4", "AFC - actions collectives", "france_travail"),
    ("19", "BOP 104 - Intégration et accès à la nationalité", "bop104"), ("19", None, "bop104"),
    ("13", "Programme 104 - DDETS", "bop104"), ("13", None, "state_other"),
    ("0", "BOP 104 - préfecture", "bop104"), ("0", None, "other"), ("1", None, "other"),
    ("3", None, "eu"), ("14", "AMIF", "eu"), ("5", None, "employer"), ("6", None, "state_other"),
    ("7", None, "other"), ("8", "Insertion des allocataires RSA", "departement"), ("9", None, "commune"),
    ("10", None, "learner"), ("11", None, "state_other"), ("12", None, "state_other"),
    ("15", None, "commune"), ("16", "POEC", "opco"), ("17", None, "cpf"), ("18", None, "state_other"),
]
FUNDERS_CIR = [("20", "Marché OFII - formation linguistique", "ofii"), ("20", None, "ofii"),
               ("13", "Marché OFII - CIR", "ofii")]

# (conditions text, entry min, entry max) — {L}: a level below the target
CONDITIONS = [
    ("Niveau {L} acquis", "L", None), ("À partir du niveau {L} (test de positionnement)", "L", None),
    ("{L} minimum à l'oral", "L", None), ("De {L} à {L+}", "L", "L+"), ("Niveau {L+} maximum", None, "L+"),
    ("Public n'ayant pas le niveau {T}", None, "T-"), ("Public infra A1, grand débutant", "A0", "A1.1"),
    ("Aucune", None, None), ("-", None, None),
]
CONDITIONS_ALPHA = [
    ("Grand débutant accepté ; non lecteur, non scripteur", "A0", "A1.1", []),
    ("Non lecteur, non scripteur", "A0", None, []),
    ("Peu scolarisé, grand débutant à l'oral", "A0", "A1.1", ["partial"]),
    ("Aucune", None, None, []),
]
INFO_PUBLIC = [None, "Adultes primo-arrivants", "Public adulte", "Personnes en parcours d'intégration"]
RESTRICTIONS = [
    ("Formation réservée aux bénéficiaires de la protection internationale.", "bpi"),
    ("Réservé aux demandeurs d'emploi inscrits à France Travail.", "jobseeker"),
    ("Action réservée aux femmes.", "women"),
    ("Uniquement pour les allocataires du RSA.", "rsa"),
    ("Réservé aux jeunes de moins de 26 ans.", "under_26"),
]
PUBLIC_CODES = {"81022": "immigrant", "81042": "bpi", "80006": "jobseeker", "83056": "all", "81021": None}

# (rythme text, slots)
SCHEDULES: list[tuple[str, list[tuple[str, str, str]]]] = [
    ("Lundi et jeudi de 9h à 12h", [("mon", "09:00", "12:00"), ("thu", "09:00", "12:00")]),
    ("Du lundi au vendredi 9h-12h", [(d, "09:00", "12:00") for d in ("mon", "tue", "wed", "thu", "fri")]),
    ("Mardi, jeudi 14h00-17h00", [("tue", "14:00", "17:00"), ("thu", "14:00", "17:00")]),
    ("Lundi 9h-12h, mercredi 14h-16h30", [("mon", "09:00", "12:00"), ("wed", "14:00", "16:30")]),
    ("Du lundi au jeudi de 13h30 à 16h30 sauf le mercredi",
     [("mon", "13:30", "16:30"), ("tue", "13:30", "16:30"), ("thu", "13:30", "16:30")]),
    ("Mercredi de 18h à 20h", [("wed", "18:00", "20:00")]),
    ("Samedi 10h-12h", [("sat", "10:00", "12:00")]),
    ("Temps partiel", []), ("Temps plein", []), ("Samedi matin", []), ("En centre de formation", []),
    ("2 demi-journées par semaine", []),
]

# fle_pro: (ROME code or None, label in the title, sectors the label's words name)
PRO_TRADES = [
    ("K1302", "aide à domicile", ["services_a_la_personne"]), ("G1602", "commis de cuisine", ["hotellerie_restauration"]),
    ("F1703", "maçonnerie", ["btp"]), ("K2204", "agent de propreté", ["proprete"]),
    ("N1103", "préparation de commandes", ["logistique"]), ("A1203", "espaces verts", ["agriculture"]),
    ("J1501", "aide-soignant", ["sante"]), ("K2503", "agent de sécurité", ["securite_privee"]),
    ("N4105", "chauffeur livreur", ["transport"]), ("D1507", "mise en rayon", []),
    ("H2102", "ligne de production", []), ("M1805", "métiers du numérique", ["numerique"]),
    (None, "hôtellerie-restauration", ["hotellerie_restauration"]), (None, "bâtiment", ["btp"]),
    (None, "insertion professionnelle", []),
]
ASL_THEMES = ["la santé", "l'école", "les démarches administratives", "le logement", "la mobilité"]
CERTS = [("DELF", "A1"), ("DELF", "A2"), ("DELF", "B1"), ("DELF", "B2"), ("DALF", "C1"), ("TCF", "IRN"),
         ("DILF", None)]
NON_FLE = [
    ("Titre professionnel agent de propreté et d'hygiène", ["42811"], ["K2204"]),
    ("Remise à niveau en français et mathématiques", ["15040", "15041"], []),
    ("CACES R489 - chariots élévateurs", ["31812"], ["N1101"]),
    ("Anglais professionnel - parcours flexible", ["15234"], []),
    ("Préparation au concours d'aide-soignant", ["43436"], ["J1501"]),
]
KINDS = [("fle_general", 30), ("fle_pro", 22), ("alpha", 14), ("cir", 12), ("asl", 8), ("certification", 14)]


def _lvl(code: str) -> Level:
    return Level(code)


def _siret(rng: random.Random) -> str:
    base = f"{rng.randrange(10**12, 10**13):013d}"
    for d in "0123456789":
        s = base + d
        total = 0
        for i, ch in enumerate(reversed(s)):
            v = int(ch)
            if i % 2:
                v = v * 2 - 9 if v > 4 else v * 2
            total += v
        if total % 10 == 0:
            return s
    raise AssertionError("unreachable")


# ---------------------------------------------------------------------------------------------
# Actions
# ---------------------------------------------------------------------------------------------

class _Gen:
    def __init__(self, seed: int, anchor: date, sessions_per_action: float, places: list[Place]) -> None:
        self.rng = random.Random(seed)
        self.anchor = anchor
        self.spa = sessions_per_action
        self.places = places
        self.cum = list(itertools.accumulate(p.population for p in places))
        self.kinds, self.kind_w = zip(*KINDS, strict=True)
        self.n_formation = 0
        self.n_action = 0
        self.n_session = 0
        self.orgs: list[dict[str, Any]] = []

    def place(self) -> Place:
        return self.rng.choices(self.places, cum_weights=self.cum, k=1)[0]

    def organisation(self) -> dict[str, Any]:
        rng = self.rng
        if self.orgs and rng.random() < 0.6:
            return rng.choice(self.orgs)
        n = len(self.orgs) + 1
        siret = _siret(rng)
        bad = rng.random() < 0.04
        if bad:  # a typo breaks the checksum
            siret = siret[:-1] + str((int(siret[-1]) + 1) % 10)
        raison = rng.choice(["Association", "SARL", "SCOP", "Centre social", "GRETA"])
        nom = f"Langues {n}"
        raison = "-" if rng.random() < 0.05 else f"{raison} {nom}"
        org = {"numero": f"OF_{n:06d}", "siret": siret, "nom": nom, "raison": raison,
               "expected": {"name": nom if raison == "-" else raison, "siret": None if bad else siret}}
        self.orgs.append(org)
        return org

    # -- one formation with its actions ---------------------------------------------------------
    def formation(self, n_actions: int) -> list[dict[str, Any]]:
        rng = self.rng
        self.n_formation += 1
        carif = rng.choice(["11", "24", "27", "28", "32", "44", "52", "53", "75", "76", "84", "93"])
        fid = f"{carif}_{self.n_formation:07d}"
        fle = rng.random() >= 0.10
        stamp = f"{self.anchor - timedelta(days=rng.randrange(0, 120))}T{rng.randrange(7, 19):02d}:15:00+02:00"
        org = self.organisation()
        f = self._fle_formation() if fle else self._non_fle_formation()
        f.update(numero=fid, stamp=stamp, org=org)
        out = []
        for _ in range(n_actions):
            self.n_action += 1
            aid = f"{carif}_AF_{self.n_action:010d}"
            action = self._action(f, aid)
            offer = self._expected(f, action) if fle else None
            out.append({"formation_id": fid, "external_id": aid, "fle": fle, "offer": offer,
                        "lheo": {"formation": f, "action": action}})
        return out

    def _non_fle_formation(self) -> dict[str, Any]:
        title, formacodes, romes = self.rng.choice(NON_FLE)
        return {"kind": None, "title": title, "objective": "Acquérir les compétences du métier.",
                "content": "Parcours flexible, réflexion sur le projet professionnel.", "formacodes": formacodes,
                "romes": romes, "target": None, "prog_from": None, "cert": None, "sectors_words": [],
                "literacy": [], "childcare": None, "certifiante": "0"}

    def _fle_formation(self) -> dict[str, Any]:
        rng = self.rng
        kind = rng.choices(self.kinds, weights=self.kind_w, k=1)[0]
        f: dict[str, Any] = {"kind": kind, "romes": [], "cert": None, "sectors_words": [], "literacy": [],
                             "prog_from": None, "target": None, "certifiante": "0"}
        content = "Communication orale et écrite, vie quotidienne, découverte de l'environnement."
        if kind == "fle_general":
            t = rng.choice(["A1", "A2", "B1", "B2"])
            f["formacodes"] = ["15235"]
            style = rng.randrange(4)
            if style == 0:
                f["title"], f["objective"], f["target"] = (f"Français langue étrangère - niveau {t}",
                                                           "Progresser en français pour la vie quotidienne.", t)
            elif style == 1:
                f["title"], f["objective"], f["target"] = ("Cours de FLE", f"Atteindre le niveau {t} à l'oral et à "
                                                           "l'écrit.", t)
            elif style == 2:
                lo = LEVELS[_lvl(t).rank - 1].value
                f["title"], f["objective"], f["target"], f["prog_from"] = (
                    "FLE - vie quotidienne", f"Passer du niveau {lo} au niveau {t}.", t, lo)
            else:
                f["title"], f["objective"] = "Français langue étrangère", "Progresser en français pour la vie quotidienne."
        elif kind == "fle_pro":
            rome, label, words = rng.choice(PRO_TRADES)
            t = rng.choice(["A2", "B1"])
            f["formacodes"] = ["15226", "15235"] if rng.random() < 0.7 else ["15235"]
            f["romes"] = [rome] if rome else []
            f["title"] = f"Français à visée professionnelle : {label}"
            f["objective"], f["target"] = f"Atteindre le niveau {t} pour l'emploi.", t
            f["sectors_words"] = words
            content = "Vocabulaire du métier, consignes de sécurité, stage en entreprise."
        elif kind == "alpha":
            f["formacodes"] = ["15043"]
            post = rng.random() < 0.25
            f["title"] = "Post-alphabétisation" if post else rng.choice(
                ["Alphabétisation", "Alphabétisation pour adultes", "Atelier alpha"])
            if rng.random() < 0.5:
                f["objective"], f["target"] = "Entrer dans l'écrit et atteindre le niveau A1.1 à l'oral.", "A1.1"
            else:
                f["objective"] = "Apprendre à lire et écrire en français."
            f["literacy"] = ["none", "partial"] if post else ["none"]
        elif kind == "cir":
            f["formacodes"] = ["15235"]
            t = rng.choice(["A1", "A1", "A2", "B1"])
            hours = rng.choice([100, 200, 400, 600])
            f["title"] = rng.choice([f"Formation linguistique CIR - parcours {hours} heures",
                                     "Parcours linguistique OFII", "Contrat d'intégration républicaine : français"])
            f["objective"], f["target"] = f"Atteindre le niveau {t} du CECRL.", t
        elif kind == "asl":
            f["formacodes"] = rng.choice([["15235"], ["15041"]])
            theme = rng.choice(ASL_THEMES)
            f["title"] = rng.choice([f"Atelier sociolinguistique : {theme}", f"ASL - {theme}"])
            f["objective"] = "Gagner en autonomie dans la vie sociale."
        else:
            name, level = rng.choice(CERTS)
            f["formacodes"] = ["15235"] if rng.random() < 0.8 else ["15254"]
            cert = f"{name} {level}" if level else name
            f["title"] = f"Préparation au {cert}"
            f["objective"] = f"S'entraîner aux épreuves du {cert}."
            f["cert"] = cert
            f["target"] = {"DILF": "A1.1"}.get(cert) or (level if level and level[0] in "ABC" else None)
            f["certifiante"] = "1"
        if rng.random() < 0.15:
            f["childcare"] = True
            content += " Halte-garderie sur place."
        elif rng.random() < 0.05:
            f["childcare"] = False
            content += " Pas de garde d'enfants."
        else:
            f["childcare"] = None
        f["content"] = content
        return f

    def _action(self, f: dict[str, Any], aid: str) -> dict[str, Any]:
        rng = self.rng
        kind = f["kind"]
        a: dict[str, Any] = {"numero": aid}
        # funders
        if kind == "cir":
            lines = [rng.choice(FUNDERS_CIR)] + ([("3", None, "eu")] if rng.random() < 0.2 else [])
        else:
            lines = rng.sample(FUNDERS_GENERAL, k=rng.choice([1, 1, 2, 2, 3]))
        a["funders"] = [(code, prog, exp, rng.choice([None, None, rng.randrange(4, 20)])) for code, prog, exp in lines]
        # publics visés
        if kind == "alpha":
            codes = ["81021", "81022"]
        elif kind == "cir":
            codes = ["81022"]
        elif kind is None:
            codes = ["80006"]
        else:
            codes = rng.sample(["81022", "81042", "80006", "83056"], k=rng.choice([1, 1, 2]))
        a["public_codes"] = codes
        a["info_public"] = rng.choice(INFO_PUBLIC)
        # conditions → entry level, literacy, restriction
        target = f["target"]
        lit: list[str] = list(f["literacy"])
        if kind == "alpha":
            text, lo, hi, extra_lit = rng.choice(CONDITIONS_ALPHA)
            lit += [x for x in extra_lit if x not in lit]
        elif kind is None:
            text, lo, hi = "Aucune", None, None
        else:
            text, lo, hi = rng.choice(CONDITIONS)
            t_rank = _lvl(target).rank if target else rng.randrange(2, 6)
            base = LEVELS[max(t_rank - 1, 2)]  # A1 at least, below the target when possible
            subst = {"L": base.value, "L+": LEVELS[min(base.rank + 1, 7)].value,
                     "T": LEVELS[t_rank].value, "T-": LEVELS[t_rank - 1].value}
            for k in ("{L+}", "{L}", "{T}"):
                text = text.replace(k, subst[k.strip("{}")])
            lo, hi = subst.get(lo, lo), subst.get(hi, hi)
            if text not in {"Aucune", "-"} and rng.random() < 0.2:
                text += ", scolarisé dans son pays d'origine"
                lit.append("full")
        restriction = None
        if kind is not None and rng.random() < 0.08:
            sentence, restriction = rng.choice(RESTRICTIONS)
            text = (text if text != "-" else "Aucune") + ". " + sentence
        if lo is None and f["prog_from"] and (hi is None or _lvl(f["prog_from"]).rank <= _lvl(hi).rank):
            lo = f["prog_from"]
        a.update(conditions=text, entry=(lo, hi), literacy=lit, publics=[restriction] if restriction else [])
        # modality, place
        a["modality"] = rng.choices(["0", "1", "2"], weights=(82, 10, 8))[0]
        p = self.place()
        loc_kind = rng.choices(["geo", "insee", "postcode"], weights=(60, 30, 10))[0]
        lat = round(p.lat + rng.uniform(-0.01, 0.01), 5)
        lon = round(p.lon + rng.uniform(-0.01, 0.01), 5)
        a["place"] = (p, loc_kind, lat, lon)
        # rhythm, hours
        a["rythme"], a["slots"] = rng.choice(SCHEDULES)
        a["rolling"] = rng.random() < 0.25
        if rng.random() < 0.8:
            if rng.random() < 0.8:
                a["hours"] = ("total", rng.choice([40, 60, 100, 120, 150, 200, 240, 300, 400, 600]))
            else:
                a["hours"] = ("split", rng.choice([100, 200, 280]), rng.choice([35, 70]))
        else:
            a["hours"] = None
        a["duree_hebdo"] = rng.choice([None, None, "6", "9", "12", "10,5", "20", "35"])
        # cost
        a["frais"], a["prix"] = None, None
        r = rng.random()
        if r < 0.25:
            a["frais"], a["cost"] = rng.choice([("0", 0.0), ("Aucun", 0.0), ("Gratuit pour le stagiaire", 0.0),
                                                ("120 €", 120.0), ("45 euros", 45.0)])
        elif r < 0.35:
            a["prix"] = "0"
            a["cost"] = 0.0
        elif r < 0.45:
            a["prix"] = str(rng.choice([250, 350, 900]))
            only_learner = {exp for _c, _p, exp, _n in a["funders"]} == {"learner"}
            a["cost"] = float(a["prix"]) if only_learner else None
        else:
            a["cost"] = None
        a["perimee"] = rng.random() < 0.02
        a["stamp"] = None
        # sessions
        n = max(1, min(8, round(rng.gauss(self.spa, 1.0))))
        a["sessions"] = [self._session() for _ in range(n)]
        return a

    def _session(self) -> dict[str, Any]:
        rng = self.rng
        self.n_session += 1
        start = self.anchor + timedelta(days=rng.randrange(-200, 300))
        end = start + timedelta(days=rng.choice([30, 60, 90, 120, 180, 270]))
        prec = rng.choices(["day", "month", "year", "unknown", "open"], weights=(70, 15, 3, 7, 5))[0]
        if prec == "day":
            debut, fin = start.strftime("%Y%m%d"), end.strftime("%Y%m%d")
            exp = (start, "day", end, "day")
        elif prec == "month":
            debut, fin = start.strftime("%Y%m00"), end.strftime("%Y%m00")
            last = (end.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
            exp = (start.replace(day=1), "month", last, "month")
        elif prec == "year":
            debut, fin = f"{start.year}0000", f"{end.year}0000"
            exp = (date(start.year, 1, 1), "year", date(end.year, 12, 31), "year")
        elif prec == "unknown":
            debut, fin = "00000000", "99999999"
            exp = (None, "day", None, "day")
        else:
            debut, fin = start.strftime("%Y%m%d"), "99999999"
            exp = (start, "day", None, "day")
        etat = rng.choices([None, "1", "2", "3"], weights=(25, 55, 12, 8))[0]
        places_where = rng.choices([None, "recrutement", "extra"], weights=(60, 30, 10))[0]
        places = rng.randrange(0, 15) if places_where else None
        return {"numero": f"SE_{self.n_session:010d}", "debut": debut, "fin": fin, "expected_dates": exp,
                "etat": etat, "places_where": places_where, "places": places,
                "perimee": rng.random() < 0.03}

    # -- what the mapper must produce -----------------------------------------------------------
    def _expected(self, f: dict[str, Any], a: dict[str, Any]) -> dict[str, Any]:
        kind = f["kind"]
        funders: list[str] = []
        for _code, _prog, exp, _n in a["funders"]:
            if exp not in funders:
                funders.append(exp)
        sectors: list[str] = []
        for rome in f["romes"]:
            for s in sorted(sectors_for_rome(rome), key=lambda s: s.value):
                if s.value not in sectors:
                    sectors.append(s.value)
        if kind == "fle_pro":
            sectors += [s for s in f["sectors_words"] if s not in sectors]
        elif not sectors:
            sectors = ["tous_secteurs"]
        audience: list[str] = []
        for code in a["public_codes"]:
            p = PUBLIC_CODES.get(code)
            if p and p not in audience:
                audience.append(p)
        if kind == "cir":
            audience.append("cir_signatory")
        p, loc_kind, lat, lon = a["place"]
        if a["modality"] == "2":
            location = None
        elif loc_kind == "geo":
            location = {"lat": lat, "lon": lon, "insee": p.insee, "postcode": p.postcode}
        elif loc_kind == "insee":
            location = {"insee": p.insee, "postcode": p.postcode}
        else:
            location = {"postcode": p.postcode}
        hours = a["hours"]
        hours_total = None if hours is None else float(hours[1] if hours[0] == "total" else hours[1] + hours[2])
        funded = [n for *_rest, n in a["funders"] if n is not None]
        schedule = [{"day": d, "start": s, "end": e} for d, s, e in a["slots"]]
        sessions = []
        for s in a["sessions"]:
            start, sp, end, ep = s["expected_dates"]
            status = {"1": "open", "2": "full", "3": "suspended"}.get(s["etat"], "open")
            if a["perimee"] or s["perimee"] or (end is not None and end < self.anchor):
                status = "closed"
            sessions.append({
                "external_id": s["numero"], "start_date": start.isoformat() if start else None,
                "end_date": end.isoformat() if end else None, "start_precision": sp, "end_precision": ep,
                "rolling_entry": a["rolling"], "schedule": schedule, "location": location,
                "places_available": s["places"], "funded_places": sum(funded) if funded else None,
                "status": status,
            })
        lo, hi = a["entry"]
        objective, content = f["objective"], f["content"]
        return {
            "title": f["title"], "summary": f"{objective}\n\n{content}", "kind": kind,
            "organisation": dict(f["org"]["expected"]), "funders": funders,
            "entry_level": {"min": lo, "max": hi}, "target_level": f["target"],
            "literacy_accepted": [x for x in ("none", "partial", "full") if x in a["literacy"]],
            "sectors": sectors, "rome_codes": list(f["romes"]), "formacodes": list(f["formacodes"]),
            "modality": {"0": "in_person", "1": "hybrid", "2": "remote"}[a["modality"]],
            "hours_total": hours_total,
            "hours_per_week": float(a["duree_hebdo"].replace(",", ".")) if a["duree_hebdo"] else None,
            "publics": list(a["publics"]), "audience": audience, "childcare": f["childcare"],
            "cost_to_learner": a["cost"], "certification": f["cert"],
            "source_updated_at": f["stamp"], "formation_id": f["numero"], "sessions": sessions,
        }


def iter_formations(n_actions: int, *, seed: int = 1, anchor: date = ANCHOR, sessions_per_action: float = 3.0,
                    places: list[Place] | None = None) -> Iterator[list[dict[str, Any]]]:
    """Formations (lists of 1–3 action dicts, see `iter_actions`) until `n_actions` actions."""
    gen = _Gen(seed, anchor, sessions_per_action, places or load_places())
    left = n_actions
    while left > 0:
        k = min(left, gen.rng.choices([1, 2, 3], weights=(70, 20, 10))[0])
        left -= k
        yield gen.formation(k)


def iter_actions(n_actions: int, *, seed: int = 1, anchor: date = ANCHOR, sessions_per_action: float = 3.0,
                 places: list[Place] | None = None) -> Iterator[dict[str, Any]]:
    """One plain dict per action (`offer` = OfferIn kwargs the mapper must produce, None if not FLE)."""
    for formation in iter_formations(n_actions, seed=seed, anchor=anchor,
                                     sessions_per_action=sessions_per_action, places=places):
        yield from formation


# ---------------------------------------------------------------------------------------------
# XML
# ---------------------------------------------------------------------------------------------

def _e(s: str) -> str:
    return escape(s)


def _address(ligne: str, p: Place, insee: bool, geo: tuple[float, float] | None) -> str:
    parts = [f"<adresse><ligne>{_e(ligne)}</ligne><codepostal>{p.postcode}</codepostal>"
             f"<ville>{_e(p.name[:50])}</ville>"]
    if insee:
        parts.append(f"<code-INSEE-commune>{p.insee}</code-INSEE-commune>")
    if geo:
        parts.append(f"<geolocalisation><latitude>{geo[0]}</latitude><longitude>{geo[1]}</longitude></geolocalisation>")
    parts.append("</adresse>")
    return "".join(parts)


def formation_xml(actions: list[dict[str, Any]]) -> str:
    """One `<formation>` element (LHÉO 2.3, valid against the XSD) for a list of action dicts."""
    f = actions[0]["lheo"]["formation"]
    org = f["org"]
    out = [f'<formation numero="{f["numero"]}" horodatage-modification="{f["stamp"]}"><domaine-formation>']
    out += [f'<code-FORMACODE ref="V13">{c}</code-FORMACODE>' for c in f["formacodes"]]
    out += [f"<code-ROME>{c}</code-ROME>" for c in f["romes"]]
    out.append(
        f"</domaine-formation><intitule-formation>{_e(f['title'])}</intitule-formation>"
        f"<objectif-formation>{_e(f['objective'])}</objectif-formation><resultats-attendus>-</resultats-attendus>"
        f"<contenu-formation>{_e(f['content'])}</contenu-formation><certifiante>{f['certifiante']}</certifiante>"
        "<contact-formation><type-contact>4</type-contact><coordonnees><telfixe><numtel>01 00 00 00 00</numtel>"
        "</telfixe></coordonnees></contact-formation><parcours-de-formation>1</parcours-de-formation>"
        "<code-niveau-entree>1</code-niveau-entree>")
    for item in actions:
        out.append(_action_xml(item["lheo"]["action"]))
    out.append(
        f'<organisme-formation-responsable numero="{org["numero"]}"><numero-activite>11000000000</numero-activite>'
        f"<SIRET-organisme-formation><SIRET>{org['siret']}</SIRET></SIRET-organisme-formation>"
        f"<nom-organisme>{_e(org['nom'])}</nom-organisme><raison-sociale>{_e(org['raison'])}</raison-sociale>"
        "<coordonnees-organisme><coordonnees><ligne>Siège</ligne></coordonnees></coordonnees-organisme>"
        "<contact-organisme><coordonnees><telfixe><numtel>01 00 00 00 00</numtel></telfixe></coordonnees>"
        "</contact-organisme></organisme-formation-responsable></formation>\n")
    return "".join(out)


def _action_xml(a: dict[str, Any]) -> str:
    p, loc_kind, lat, lon = a["place"]
    out = [f'<action numero="{a["numero"]}"><rythme-formation>{_e(a["rythme"])}</rythme-formation>']
    out += [f'<code-public-vise ref="V13">{c}</code-public-vise>' for c in a["public_codes"]]
    if a["info_public"]:
        out.append(f"<info-public-vise>{_e(a['info_public'])}</info-public-vise>")
    out.append(
        "<niveau-entree-obligatoire>0</niveau-entree-obligatoire><modalites-alternance>-</modalites-alternance>"
        f"<modalites-enseignement>{a['modality']}</modalites-enseignement>"
        f"<conditions-specifiques>{_e(a['conditions'])}</conditions-specifiques>"
        "<prise-en-charge-frais-possible>1</prise-en-charge-frais-possible>")
    addr = _address("1 rue de la Formation", p, loc_kind != "postcode", (lat, lon) if loc_kind == "geo" else None)
    if a["modality"] != "2":
        out.append(f"<lieu-de-formation><coordonnees>{addr}</coordonnees></lieu-de-formation>")
    out.append(f"<modalites-entrees-sorties>{1 if a['rolling'] else 0}</modalites-entrees-sorties>")
    inscription = _address("1 rue de la Formation", p, False, None)
    for s in a["sessions"]:
        out.append(f'<session numero="{s["numero"]}"><periode><debut>{s["debut"]}</debut><fin>{s["fin"]}</fin>'
                   f"</periode><adresse-inscription>{inscription}</adresse-inscription>")
        if s["etat"]:
            out.append(f"<etat-recrutement>{s['etat']}</etat-recrutement>")
        if s["places_where"] == "recrutement":
            out.append(f"<recrutement><modalite-recrutement>9</modalite-recrutement><nb-places>{s['places']}"
                       "</nb-places></recrutement>")
        if s["places_where"] == "extra":
            out.append(f'<extras info="places"><extra info="nb-places">{s["places"]}</extra></extras>')
        if s["perimee"]:
            out.append('<extras info="session-perimee"><extra info="session-perimee">1</extra></extras>')
        out.append("</session>")
    if a["frais"] is not None:
        out.append(f"<frais-restants>{_e(a['frais'])}</frais-restants>")
    if a["prix"] is not None:
        out.append(f"<prix-total-TTC>{a['prix']}</prix-total-TTC>")
    hours = a["hours"]
    if hours and hours[0] == "total":
        out.append(f"<nombre-heures-total>{hours[1]}</nombre-heures-total>")
    elif hours:
        out.append(f"<nombre-heures-centre>{hours[1]}</nombre-heures-centre>"
                   f"<nombre-heures-entreprise>{hours[2]}</nombre-heures-entreprise>")
    for code, prog, _exp, n in a["funders"]:
        out.append(f"<organisme-financeur><code-financeur>{code}</code-financeur>")
        if n is not None:
            out.append(f"<nb-places-financees>{n}</nb-places-financees>")
        if prog:
            out.append(f'<extras info="specificites"><extra info="programme-financeur">{_e(prog)}</extra></extras>')
        out.append("</organisme-financeur>")
    if a["perimee"]:
        out.append('<extras info="type-action"><extra info="action-perimee">1</extra></extras>')
    if a["duree_hebdo"]:
        out.append(f'<extras info="duree-hebdo"><extra info="duree-hebdo">{a["duree_hebdo"]}</extra></extras>')
    out.append("</action>")
    return "".join(out)


def write_feed(out: IO[str], n_actions: int, *, seed: int = 1, anchor: date = ANCHOR,
               sessions_per_action: float = 3.0, places: list[Place] | None = None) -> dict[str, int]:
    """Stream a whole LHÉO 2.3 document to `out`; returns counts."""
    stats = {"formations": 0, "actions": 0, "sessions": 0, "fle_actions": 0}
    out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<lheo xmlns="{NS}">\n<offres>\n')
    for formation in iter_formations(n_actions, seed=seed, anchor=anchor, sessions_per_action=sessions_per_action,
                                     places=places):
        out.write(formation_xml(formation))
        stats["formations"] += 1
        stats["actions"] += len(formation)
        stats["sessions"] += sum(len(a["lheo"]["action"]["sessions"]) for a in formation)
        stats["fle_actions"] += sum(1 for a in formation if a["fle"])
    out.write("</offres>\n</lheo>\n")
    return stats


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--offers", type=int, default=20_000, help="number of actions (default 20000)")
    ap.add_argument("--out", type=Path, default=None, help="output file (default bench/out/lheo-N.xml; - = stdout)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sessions-per-action", type=float, default=3.0)
    ap.add_argument("--anchor", type=date.fromisoformat, default=ANCHOR, help="the 'today' dates are placed around")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    if str(args.out) == "-":
        stats = write_feed(sys.stdout, args.offers, seed=args.seed, anchor=args.anchor,
                           sessions_per_action=args.sessions_per_action)
        target = "stdout"
    else:
        path = args.out or ROOT / "bench" / "out" / f"lheo-{args.offers}.xml"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="\n", buffering=1 << 20) as fh:
            stats = write_feed(fh, args.offers, seed=args.seed, anchor=args.anchor,
                               sessions_per_action=args.sessions_per_action)
        target = str(path)
    print(f"{target}: {stats['formations']} formations, {stats['actions']} actions "
          f"({stats['fle_actions']} FLE), {stats['sessions']} sessions in {time.perf_counter() - t0:.1f} s",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
