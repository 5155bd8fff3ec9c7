"""Build the demo catalogue shipped in `seed/demo_catalogue.json` (loaded by `parcours-fle demo`).

    .venv/bin/python seed/build_demo.py            # rewrite seed/demo_catalogue.json, print counts
    .venv/bin/python seed/build_demo.py --check    # exit 1 when the shipped file is not what this builds

Deterministic: curated organisations, towns and course templates, varied by a `random.Random`
with a fixed seed; no clock, no network, no input file. Every organisation and SIRET is fictional
(the SIRETs are 14 digits and pass the Luhn check); towns, INSEE codes, postcodes and coordinates
are real (INSEE COG 2024, the same table as `app/reference/data/communes.csv`); ROME codes are
ROME v4.60 and match each offer's sectors.

Dates are written relative to REFERENCE_DATE (a Monday), stored at the top of the JSON as
`reference_date`: the loader shifts every date by a whole number of weeks so that the reference
date lands on the current week (weekdays kept); month-precision dates (`*_precision: "month"`,
written as the 1st / the last day of the month) are re-aligned to month boundaries after the shift.
"""

from __future__ import annotations

import argparse
import calendar
import json
import math
import random
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

REFERENCE_DATE = date(2026, 12, 7)  # a Monday: "today" as the JSON is written
SEED = 20261207
OUT = Path(__file__).with_name("demo_catalogue.json")

# --------------------------------------------------------------------------------------------
# Towns: INSEE code -> (name, département, région, main postcode, lat, lon), checked against
# shared/data/ref/communes/communes_fr_2024.csv (names as in the commune reference).
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


_TOWN_ROWS = [
    ("75105", "Paris 5e Arrondissement", "75", "11", "75005", 48.84545, 2.35137),
    ("75110", "Paris 10e Arrondissement", "75", "11", "75010", 48.87596, 2.3624),
    ("75111", "Paris 11e Arrondissement", "75", "11", "75011", 48.86007, 2.38156),
    ("75112", "Paris 12e Arrondissement", "75", "11", "75012", 48.834, 2.41661),
    ("75113", "Paris 13e Arrondissement", "75", "11", "75013", 48.83026, 2.36557),
    ("75114", "Paris 14e Arrondissement", "75", "11", "75014", 48.82969, 2.32295),
    ("75115", "Paris 15e Arrondissement", "75", "11", "75015", 48.84165, 2.29372),
    ("75117", "Paris 17e Arrondissement", "75", "11", "75017", 48.88741, 2.30505),
    ("75118", "Paris 18e Arrondissement", "75", "11", "75018", 48.89194, 2.3487),
    ("75119", "Paris 19e Arrondissement", "75", "11", "75019", 48.8871, 2.38777),
    ("75120", "Paris 20e Arrondissement", "75", "11", "75020", 48.86253, 2.39662),
    ("93066", "Saint-Denis", "93", "11", "93200", 48.9268, 2.3657),
    ("93008", "Bobigny", "93", "11", "93000", 48.90732, 2.44317),
    ("93001", "Aubervilliers", "93", "11", "93300", 48.91281, 2.38856),
    ("93048", "Montreuil", "93", "11", "93100", 48.86375, 2.44906),
    ("93070", "Saint-Ouen-sur-Seine", "93", "11", "93400", 48.91183, 2.33288),
    ("93055", "Pantin", "93", "11", "93500", 48.90056, 2.40853),
    ("93014", "Clichy-sous-Bois", "93", "11", "93390", 48.9081, 2.54317),
    ("93005", "Aulnay-sous-Bois", "93", "11", "93600", 48.94575, 2.4918),
    ("93027", "La Courneuve", "93", "11", "93120", 48.93408, 2.39862),
    ("93071", "Sevran", "93", "11", "93270", 48.93779, 2.53109),
    ("93010", "Bondy", "93", "11", "93140", 48.90361, 2.48464),
    ("93072", "Stains", "93", "11", "93240", 48.9578, 2.38685),
    ("94028", "Créteil", "94", "11", "94000", 48.78454, 2.45233),
    ("94081", "Vitry-sur-Seine", "94", "11", "94400", 48.78926, 2.3951),
    ("94041", "Ivry-sur-Seine", "94", "11", "94200", 48.8125, 2.38722),
    ("94017", "Champigny-sur-Marne", "94", "11", "94500", 48.81734, 2.52058),
    ("94076", "Villejuif", "94", "11", "94800", 48.79339, 2.36034),
    ("94022", "Choisy-le-Roi", "94", "11", "94600", 48.76348, 2.42018),
    ("94054", "Orly", "94", "11", "94310", 48.74023, 2.40297),
    ("95018", "Argenteuil", "95", "11", "95100", 48.95008, 2.2478),
    ("95585", "Sarcelles", "95", "11", "95200", 48.99248, 2.38578),
    ("95127", "Cergy", "95", "11", "95000", 49.0373, 2.04553),
    ("95268", "Garges-lès-Gonesse", "95", "11", "95140", 48.96957, 2.40345),
    ("95680", "Villiers-le-Bel", "95", "11", "95400", 49.00802, 2.40355),
    ("95500", "Pontoise", "95", "11", "95000", 49.04879, 2.09964),
    ("95277", "Gonesse", "95", "11", "95500", 48.98564, 2.46021),
    ("13201", "Marseille 1er Arrondissement", "13", "93", "13001", 43.30018, 5.38276),
    ("13202", "Marseille 2e Arrondissement", "13", "93", "13002", 43.32298, 5.35017),
    ("13203", "Marseille 3e Arrondissement", "13", "93", "13003", 43.3113, 5.38062),
    ("13210", "Marseille 10e Arrondissement", "13", "93", "13010", 43.27431, 5.42429),
    ("13213", "Marseille 13e Arrondissement", "13", "93", "13013", 43.35279, 5.43009),
    ("13214", "Marseille 14e Arrondissement", "13", "93", "13014", 43.34685, 5.39149),
    ("13215", "Marseille 15e Arrondissement", "13", "93", "13015", 43.35309, 5.36533),
    ("13216", "Marseille 16e Arrondissement", "13", "93", "13016", 43.36423, 5.31609),
    ("13001", "Aix-en-Provence", "13", "93", "13080", 43.53601, 5.38793),
    ("13117", "Vitrolles", "13", "93", "13127", 43.45085, 5.26555),
    ("13056", "Martigues", "13", "93", "13117", 43.38391, 5.04508),
    ("13004", "Arles", "13", "93", "13104", 43.54457, 4.65128),
    ("06088", "Nice", "06", "93", "06000", 43.70321, 7.25281),
    ("06029", "Cannes", "06", "93", "06150", 43.54494, 7.0161),
    ("06004", "Antibes", "06", "93", "06160", 43.58233, 7.10484),
    ("06069", "Grasse", "06", "93", "06130", 43.65597, 6.937),
    ("83137", "Toulon", "83", "93", "83000", 43.13636, 5.93344),
    ("83126", "La Seyne-sur-Mer", "83", "93", "83500", 43.08371, 5.87888),
    ("83069", "Hyères", "83", "93", "83400", 43.11386, 6.23567),
    ("83061", "Fréjus", "83", "93", "83370", 43.45096, 6.7795),
    ("83050", "Draguignan", "83", "93", "83300", 43.53457, 6.46507),
    ("84007", "Avignon", "84", "93", "84000", 43.94156, 4.83326),
    ("84031", "Carpentras", "84", "93", "84200", 44.06286, 5.05845),
    ("84035", "Cavaillon", "84", "93", "84300", 43.84855, 5.03329),
    ("84087", "Orange", "84", "93", "84100", 44.12644, 4.80312),
    ("69381", "Lyon 1er Arrondissement", "69", "84", "69001", 45.7701, 4.82637),
    ("69383", "Lyon 3e Arrondissement", "69", "84", "69003", 45.75141, 4.86848),
    ("69387", "Lyon 7e Arrondissement", "69", "84", "69007", 45.73211, 4.83931),
    ("69388", "Lyon 8e Arrondissement", "69", "84", "69008", 45.7342, 4.86954),
    ("69389", "Lyon 9e Arrondissement", "69", "84", "69009", 45.78355, 4.81278),
    ("69266", "Villeurbanne", "69", "84", "69100", 45.77188, 4.88983),
    ("69259", "Vénissieux", "69", "84", "69200", 45.70117, 4.88053),
    ("69256", "Vaulx-en-Velin", "69", "84", "69120", 45.77755, 4.92497),
    ("69199", "Saint-Fons", "69", "84", "69190", 45.69971, 4.85138),
    ("69286", "Rillieux-la-Pape", "69", "84", "69140", 45.82649, 4.89505),
    ("69029", "Bron", "69", "84", "69500", 45.73549, 4.91162),
    ("38185", "Grenoble", "38", "84", "38000", 45.18423, 5.71554),
    ("38151", "Échirolles", "38", "84", "38130", 45.14414, 5.71478),
    ("38421", "Saint-Martin-d'Hères", "38", "84", "38400", 45.17822, 5.76463),
    ("38544", "Vienne", "38", "84", "38200", 45.52208, 4.88033),
    ("38053", "Bourgoin-Jallieu", "38", "84", "38300", 45.60254, 5.27472),
    ("42218", "Saint-Étienne", "42", "84", "42000", 45.4241, 4.36647),
    ("42187", "Roanne", "42", "84", "42300", 46.0443, 4.07974),
    ("42095", "Firminy", "42", "84", "42700", 45.38265, 4.28949),
    ("42207", "Saint-Chamond", "42", "84", "42400", 45.4687, 4.50821),
    ("63113", "Clermont-Ferrand", "63", "84", "63000", 45.78705, 3.11272),
    ("63124", "Cournon-d'Auvergne", "63", "84", "63800", 45.74201, 3.18853),
    ("63300", "Riom", "63", "84", "63200", 45.89375, 3.12736),
    ("63430", "Thiers", "63", "84", "63300", 45.86529, 3.53795),
    ("35238", "Rennes", "35", "53", "35000", 48.11593, -1.68844),
    ("35288", "Saint-Malo", "35", "53", "35400", 48.64629, -2.00711),
    ("35115", "Fougères", "35", "53", "35300", 48.35124, -1.19533),
    ("35360", "Vitré", "35", "53", "35500", 48.1105, -1.19723),
    ("29019", "Brest", "29", "53", "29200", 48.40844, -4.49959),
    ("29232", "Quimper", "29", "53", "29000", 47.99816, -4.09721),
    ("29151", "Morlaix", "29", "53", "29600", 48.59711, -3.82134),
    ("56121", "Lorient", "56", "53", "56100", 47.74936, -3.38027),
    ("56260", "Vannes", "56", "53", "56000", 47.65769, -2.74845),
    ("56098", "Lanester", "56", "53", "56600", 47.76857, -3.326),
    ("56178", "Pontivy", "56", "53", "56300", 48.0663, -2.96965),
    ("22278", "Saint-Brieuc", "22", "53", "22000", 48.51081, -2.76574),
    ("22113", "Lannion", "22", "53", "22300", 48.74545, -3.46974),
    ("22050", "Dinan", "22", "53", "22100", 48.44715, -2.05329),
    ("22070", "Guingamp", "22", "53", "22200", 48.56084, -3.15329),
    ("59350", "Lille", "59", "32", "59000", 50.63108, 3.04702),
    ("59512", "Roubaix", "59", "32", "59100", 50.68872, 3.18425),
    ("59599", "Tourcoing", "59", "32", "59200", 50.72104, 3.15771),
    ("59009", "Villeneuve-d'Ascq", "59", "32", "59491", 50.63623, 3.16188),
    ("59183", "Dunkerque", "59", "32", "59140", 51.01691, 2.34311),
    ("59606", "Valenciennes", "59", "32", "59300", 50.36205, 3.51422),
    ("59392", "Maubeuge", "59", "32", "59600", 50.28343, 3.96115),
    ("59178", "Douai", "59", "32", "59500", 50.37853, 3.10037),
    ("62498", "Lens", "62", "32", "62300", 50.43954, 2.8191),
    ("62193", "Calais", "62", "32", "62100", 50.95227, 1.86898),
    ("62041", "Arras", "62", "32", "62000", 50.28927, 2.76789),
    ("62160", "Boulogne-sur-Mer", "62", "32", "62200", 50.73032, 1.60616),
    ("62510", "Liévin", "62", "32", "62800", 50.42306, 2.77022),
    ("80021", "Amiens", "80", "32", "80000", 49.89871, 2.28468),
    ("80001", "Abbeville", "80", "32", "80100", 50.11015, 1.8319),
    ("60057", "Beauvais", "60", "32", "60000", 49.44254, 2.0877),
    ("60175", "Creil", "60", "32", "60100", 49.25568, 2.48415),
    ("60159", "Compiègne", "60", "32", "60200", 49.40059, 2.85466),
    ("60463", "Nogent-sur-Oise", "60", "32", "60180", 49.27645, 2.46441),
    ("31555", "Toulouse", "31", "76", "31000", 43.6007, 1.43284),
    ("31149", "Colomiers", "31", "76", "31770", 43.61164, 1.32451),
    ("31069", "Blagnac", "31", "76", "31700", 43.64102, 1.37703),
    ("31395", "Muret", "31", "76", "31600", 43.4407, 1.29872),
    ("34172", "Montpellier", "34", "76", "34000", 43.61001, 3.87417),
    ("34032", "Béziers", "34", "76", "34500", 43.3481, 3.23423),
    ("34301", "Sète", "34", "76", "34200", 43.38454, 3.6445),
    ("34145", "Lunel", "34", "76", "34400", 43.67801, 4.13291),
    ("30189", "Nîmes", "30", "76", "30000", 43.83216, 4.34286),
    ("30007", "Alès", "30", "76", "30100", 44.12499, 4.09047),
    ("30028", "Bagnols-sur-Cèze", "30", "76", "30200", 44.16222, 4.62438),
    ("30032", "Beaucaire", "30", "76", "30300", 43.78152, 4.59117),
    ("66136", "Perpignan", "66", "76", "66000", 42.69904, 2.90451),
    ("66037", "Canet-en-Roussillon", "66", "76", "66140", 42.68087, 3.00205),
    ("66172", "Saint-Estève", "66", "76", "66240", 42.71541, 2.84452),
    ("66049", "Céret", "66", "76", "66400", 42.47303, 2.75648),
]
TOWNS: dict[str, Town] = {row[0]: Town(*row) for row in _TOWN_ROWS}

# Streets known to exist in the town (Paris arrondissements and the larger towns); elsewhere a
# street name found in nearly every French town.
STREETS: dict[str, list[str]] = {
    "75105": ["rue Saint-Jacques", "rue Monge", "rue Mouffetard"],
    "75110": ["rue du Faubourg-Saint-Denis", "rue de Chabrol", "rue Louis-Blanc", "quai de Jemmapes"],
    "75111": ["rue de la Roquette", "rue Oberkampf", "rue Saint-Maur", "boulevard Voltaire"],
    "75112": ["rue de Charenton", "avenue Daumesnil", "rue de Picpus"],
    "75113": ["avenue d'Ivry", "rue du Château-des-Rentiers", "boulevard Vincent-Auriol", "rue de Tolbiac"],
    "75114": ["rue d'Alésia", "rue Didot", "avenue du Maine"],
    "75115": ["rue de la Convention", "rue de Vaugirard", "rue du Commerce"],
    "75117": ["avenue de Clichy", "rue Guy-Môquet", "boulevard Bessières"],
    "75118": ["rue Myrha", "rue de la Chapelle", "boulevard Ney", "rue Marx-Dormoy", "rue Polonceau"],
    "75119": ["rue de Tanger", "avenue de Flandre", "rue Riquet", "rue de Crimée", "rue Curial"],
    "75120": ["rue des Pyrénées", "rue de Belleville", "rue de Ménilmontant", "rue des Haies"],
    "93066": ["rue Gabriel-Péri", "rue de la République", "avenue du Président-Wilson", "rue du Landy"],
    "93008": ["avenue Paul-Vaillant-Couturier", "rue du Chemin-Vert", "avenue Jean-Jaurès"],
    "93001": ["rue du Moutier", "avenue de la République", "boulevard Félix-Faure", "rue Heurtault"],
    "93048": ["boulevard Rouget-de-Lisle", "rue de Paris", "rue Étienne-Marcel", "boulevard Paul-Vaillant-Couturier"],
    "93070": ["avenue Gabriel-Péri", "rue du Docteur-Bauer", "boulevard Victor-Hugo"],
    "93055": ["avenue Jean-Lolive", "rue Hoche", "rue Cartier-Bresson"],
    "94028": ["avenue du Général-de-Gaulle", "rue de Mesly", "place Salvador-Allende"],
    "94081": ["avenue Paul-Vaillant-Couturier", "rue Camille-Groult", "avenue Youri-Gagarine"],
    "94041": ["avenue Georges-Gosnat", "rue Marat", "boulevard de Brandebourg"],
    "95018": ["boulevard Léon-Feix", "rue Paul-Vaillant-Couturier", "avenue Gabriel-Péri"],
    "95585": ["avenue Paul-Valéry", "boulevard Albert-Camus", "rue Taillepied"],
    "13201": ["rue d'Aubagne", "cours Belsunce", "rue Longue-des-Capucins", "boulevard d'Athènes"],
    "13202": ["rue de la République", "boulevard des Dames", "rue Mazenod"],
    "13203": ["rue Félix-Pyat", "boulevard National", "rue Loubon", "rue de Crimée"],
    "13213": ["avenue de Château-Gombert", "boulevard Charles-Moretti"],
    "13214": ["chemin de Sainte-Marthe", "avenue Salvador-Allende"],
    "13215": ["boulevard Henri-Barnier", "chemin de la Madrague-Ville", "rue de Lyon"],
    "13216": ["rue Rabelais", "boulevard Grawitz"],
    "06088": ["boulevard Gambetta", "avenue de la République", "rue de France", "boulevard Virgile-Barel"],
    "83137": ["avenue de la République", "boulevard de Strasbourg", "rue Picot"],
    "84007": ["rue Carreterie", "avenue de la Trillade", "boulevard Saint-Roch"],
    "69381": ["rue de la Martinière", "montée de la Grande-Côte", "rue Terme"],
    "69383": ["cours Gambetta", "rue Paul-Bert", "avenue Félix-Faure"],
    "69387": ["rue de Marseille", "grande rue de la Guillotière", "avenue Jean-Jaurès", "rue Saint-Jérôme"],
    "69388": ["avenue des États-Unis", "boulevard des États-Unis", "route de Vienne", "rue Marius-Berliet"],
    "69389": ["rue de Bourgogne", "avenue Sidoine-Apollinaire", "rue Marietton"],
    "69266": ["cours Émile-Zola", "rue Francis-de-Pressensé", "avenue Henri-Barbusse"],
    "69259": ["boulevard Lénine", "avenue Jean-Cagne", "rue Paul-Bert"],
    "38185": ["cours Berriat", "avenue Jean-Perrot", "rue Très-Cloîtres", "boulevard Joseph-Vallier"],
    "42218": ["rue Michelet", "cours Fauriel", "rue de la Montat", "boulevard Jules-Janin"],
    "63113": ["rue Fontgiève", "avenue de la Libération", "rue de Champratel"],
    "35238": ["boulevard de Verdun", "rue de Fougères", "boulevard Villebois-Mareuil", "rue de Nantes"],
    "29019": ["rue Jean-Jaurès", "rue de Siam", "rue Frédéric-Le-Guyader"],
    "56121": ["rue du Port", "boulevard Cosmao-Dumanoir", "rue de Merville"],
    "22278": ["rue de Gouët", "boulevard Charner", "rue de Brest"],
    "59350": ["rue d'Arras", "rue de Wazemmes", "boulevard de Belfort", "rue Pierre-Legrand"],
    "59512": ["boulevard de Belfort", "rue de l'Épeule", "avenue Jean-Lebas", "rue Pierre-de-Roubaix"],
    "59599": ["rue de Lille", "boulevard Gambetta", "rue des Piats"],
    "62498": ["route de Béthune", "rue de la Gare", "boulevard Basly"],
    "80021": ["rue Saint-Fuscien", "rue Jules-Barni", "rue Dijon"],
    "60057": ["rue de Clermont", "avenue Jean-Moulin", "rue Gambetta"],
    "31555": ["avenue de Muret", "rue Bayard", "chemin du Mirail", "boulevard de Larrieu", "avenue de Grande-Bretagne"],
    "34172": ["avenue de Lodève", "rue du Faubourg-Figuerolles", "avenue de Toulouse", "rue Saint-Cléophas"],
    "30189": ["rue Notre-Dame", "avenue Jean-Jaurès", "chemin du Mas-de-Mingue"],
    "66136": ["avenue du Maréchal-Joffre", "rue Saint-Mathieu", "boulevard Clemenceau"],
}
GENERIC_STREETS = [
    "avenue Jean-Jaurès", "rue Victor-Hugo", "boulevard Gambetta", "rue Jules-Ferry", "rue Pasteur",
    "avenue de la République", "rue Voltaire", "rue Jean-Moulin", "avenue du Général-de-Gaulle",
    "rue de la Gare", "place de la Mairie", "rue Émile-Zola", "rue Anatole-France",
]

SOURCE_OF_REGION = {
    "11": "carif-idf", "93": "carif-paca", "84": "carif-ara", "53": "carif-bretagne", "32": "carif-hdf",
    "76": "carif-occitanie",
}

# --------------------------------------------------------------------------------------------
# Weekly schedules: each family holds interchangeable patterns of the same weekly hours.
# --------------------------------------------------------------------------------------------

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _slots(*specs: tuple[str, str, str]) -> list[dict[str, str]]:
    out = []
    for days, start, end in specs:
        for d in days.split():
            out.append({"day": d, "start": start, "end": end})
    out.sort(key=lambda s: (DAYS.index(s["day"]), s["start"]))
    return out


PATTERNS: dict[str, list[list[dict[str, str]]]] = {
    # associations, day groups
    "am6": [_slots(("mon thu", "09:00", "12:00")), _slots(("tue fri", "09:00", "12:00")),
            _slots(("tue thu", "09:30", "12:30"))],
    "pm6": [_slots(("tue thu", "13:30", "16:30")), _slots(("mon thu", "14:00", "17:00"))],
    "am9": [_slots(("mon tue thu", "09:00", "12:00")), _slots(("tue thu fri", "09:00", "12:00"))],
    "pm9": [_slots(("mon tue thu", "13:30", "16:30")), _slots(("mon wed fri", "14:00", "17:00"))],
    # women's groups: during school hours, never on Wednesday (no school in the afternoon)
    "women5": [_slots(("tue fri", "09:00", "11:30")), _slots(("mon thu", "09:15", "11:45"))],
    "women7": [_slots(("mon tue thu", "09:00", "11:30")), _slots(("tue thu fri", "09:15", "11:45"))],
    "womenpm": [_slots(("mon thu", "13:45", "16:15")), _slots(("tue fri", "13:45", "16:15"))],
    # evenings and Saturday mornings (people at work)
    "eve4": [_slots(("mon wed", "18:00", "20:00")), _slots(("tue thu", "18:30", "20:30"))],
    "evesat5": [_slots(("wed", "18:00", "20:00"), ("sat", "09:30", "12:30")),
                _slots(("tue", "18:30", "20:30"), ("sat", "09:00", "12:00"))],
    "sat3": [_slots(("sat", "09:30", "12:30")), _slots(("sat", "09:00", "12:00"))],
    "eve6": [_slots(("mon wed", "18:00", "21:00")), _slots(("tue thu", "18:00", "21:00"))],
    # salaried cleaners work early mornings and evenings: courses in the early afternoon
    "work4": [_slots(("tue thu", "13:30", "15:30")), _slots(("mon thu", "14:00", "16:00"))],
    # OFII CIR courses
    "cir12": [_slots(("mon tue thu fri", "09:00", "12:00")), _slots(("mon tue thu fri", "13:30", "16:30"))],
    "cir20": [_slots(("mon tue wed thu fri", "09:00", "13:00")),
              _slots(("mon tue thu fri", "09:00", "12:00"), ("mon tue", "13:30", "17:30"))],
    "cireve9": [_slots(("tue thu", "18:00", "21:00"), ("sat", "09:00", "12:00"))],
    # vocational courses
    "half15": [_slots(("mon tue wed thu fri", "09:00", "12:00")),
               _slots(("mon tue wed thu fri", "13:30", "16:30"))],
    "semi18": [_slots(("mon tue thu fri", "09:00", "12:00"), ("mon thu", "13:30", "16:30"))],
    "int24": [_slots(("mon tue wed thu fri", "09:00", "12:00"), ("mon tue thu", "13:30", "16:30"))],
    "int29": [_slots(("mon tue wed thu", "09:00", "12:30"), ("mon tue wed thu", "13:30", "16:30"),
                     ("fri", "09:00", "12:00"))],
    # remote (visio)
    "rem3": [_slots(("tue thu", "18:00", "19:30")), _slots(("mon wed", "12:30", "14:00"))],
    "rem6": [_slots(("mon wed fri", "10:00", "12:00"))],
    # hybrid: two days on site, one half-day in visio (listed with the others)
    "hyb20": [_slots(("mon tue", "09:00", "12:30"), ("mon tue", "13:30", "17:00"), ("thu fri", "09:00", "12:00"))],
}


def _hours(slots: list[dict[str, str]]) -> float:
    total = 0
    for s in slots:
        h1, m1 = map(int, s["start"].split(":"))
        h2, m2 = map(int, s["end"].split(":"))
        total += (h2 * 60 + m2) - (h1 * 60 + m1)
    return total / 60


for _family, _variants in PATTERNS.items():
    assert len({_hours(v) for v in _variants}) == 1, _family

# --------------------------------------------------------------------------------------------
# Sectors: ROME v4.60 codes used per sector (each maps to that sector in sectors_rome.csv).
# --------------------------------------------------------------------------------------------

ROME = {
    "services_a_la_personne": ["K1302", "K1304", "K1303"],
    "hotellerie_restauration": ["G1602", "G1603", "G1803", "G1501", "G1605"],
    "btp": ["F1703", "F1701", "F1604", "F1606"],
    "proprete": ["K2204", "K2202"],
    "logistique": ["N1103", "N1105", "N1101"],
    "agriculture": ["A1414", "A1401", "A1203", "A1405"],
    "industrie": ["H2909", "H2913", "H2902"],
    "agroalimentaire": ["H2102", "D1101", "D1102", "H2101"],
    "securite_privee": ["K2503"],
    "sante": ["J1301", "J1501"],
    "transport": ["N4105", "N4101", "N4103"],
    "commerce": ["D1507", "D1505", "D1106"],
    "numerique": ["M1805", "I1401", "M1810"],
}

# --------------------------------------------------------------------------------------------
# Course templates. A template fixes what a course *is*; the organisation running it fixes the
# funders (per organisation type) and the places; the generator varies dates, sites and places.
#
# Keys: kind, titles (str or (str, overrides)), summary, entry [(min, max)], target [...],
# literacy [[...]], funders {org type or "*": [[...]]}, publics [[...]] (None: from funders),
# audience, hours [...] ("year": weekly hours x 32 school weeks), patterns [family...], style
# (year | cohort | cir | short), sector, rome, formacodes, modality [...], childcare [...],
# cost {funder: (lo, hi)}, certification, capacity (lo, hi), sessions (lo, hi).
# --------------------------------------------------------------------------------------------

FC_FLE, FC_APPLIED, FC_COMMERCIAL, FC_ALPHA, FC_BASICS, FC_INTERCULT, FC_PREP = (
    "15235", "15226", "15217", "15043", "15041", "15006", "15084")

ASSO_FUNDERS = [["bop104"], ["bop104", "commune"], ["commune", "state_other"], ["bop104", "eu"],
                ["bop104", "other"], ["commune"]]
VOC_FUNDERS = {"greta": [["region"], ["region", "eu"], ["france_travail"]],
               "afpa": [["france_travail"], ["region"], ["opco", "france_travail"]],
               "cci": [["opco", "france_travail"], ["region"]],
               "*": [["region"], ["france_travail"]]}

T: dict[str, dict[str, Any]] = {}


def template(key: str, **kw: Any) -> None:
    base: dict[str, Any] = {
        "titles": [], "summary": "", "entry": [(None, None)], "target": [None], "literacy": [[]],
        "funders": {"*": [["other"]]}, "publics": None, "audience": [[]], "hours": [None],
        "patterns": ["am6"], "style": "cohort", "sector": None, "rome": [], "formacodes": [FC_FLE],
        "modality": ["in_person"], "childcare": [None], "cost": {}, "certification": None,
        "capacity": (12, 15), "sessions": (2, 3),
    }
    unknown = set(kw) - set(base) - {"kind"}
    assert not unknown, unknown
    base.update(kw)
    T[key] = base


# --- alphabétisation -------------------------------------------------------------------------
template(
    "alpha_base", kind="alpha",
    titles=["Alphabétisation pour adultes non scolarisés", "Apprendre à lire et à écrire en français",
            "Alphabétisation — premiers pas à l'écrit"],
    summary=("Pour les adultes qui ne sont jamais ou très peu allés à l'école : découvrir l'écrit (lettres, "
             "syllabes, mots du quotidien), écrire son nom et son adresse, remplir un formulaire simple, "
             "se repérer dans les nombres, les horaires et l'argent, et parler français dans les situations "
             "de la vie courante."),
    entry=[("A0", "A1.1")], target=["A1.1", "A1.1", "A1"], literacy=[["none"], ["none", "partial"]],
    funders={"*": ASSO_FUNDERS}, audience=[["immigrant"]], hours=["year"],
    patterns=["am6", "pm6", "am9"], style="year", formacodes=[FC_ALPHA], childcare=[None, False, True],
    capacity=(10, 14), sessions=(1, 2),
)
template(
    "alpha_femmes", kind="alpha",
    titles=["Alphabétisation — groupe femmes avec halte-garderie",
            "Lire, écrire, parler : atelier d'alphabétisation pour les femmes",
            "Alphabétisation des femmes — matinées avec garde d'enfants"],
    summary=("Atelier pour des femmes peu ou pas scolarisées. Les cours ont lieu pendant le temps scolaire : "
             "lecture et écriture du quotidien, suivi de la scolarité des enfants, rendez-vous médicaux, "
             "transports. Une halte-garderie accueille les enfants de moins de 3 ans pendant les séances."),
    entry=[("A0", "A1.1")], target=["A1.1", "A1"], literacy=[["none"], ["none", "partial"]],
    funders={"*": [["bop104", "commune"], ["commune", "state_other"], ["departement", "commune"],
                   ["bop104", "other"]]},
    publics=[["women"]], audience=[["women", "immigrant"]], hours=["year"], patterns=["women5", "women7", "womenpm"],
    style="year", formacodes=[FC_ALPHA], childcare=[True], capacity=(8, 12), sessions=(1, 2),
)
template(
    "post_alpha", kind="alpha",
    titles=["Post-alphabétisation — consolider la lecture et l'écriture",
            "Post-alpha : lire, écrire et compter au quotidien"],
    summary=("Pour les personnes qui ont commencé à apprendre à lire et à écrire (en alphabétisation ou "
             "avec une courte scolarité) : lire un courrier, un planning, une notice ; écrire un message "
             "court ; calculer un budget ; gagner en aisance à l'oral."),
    entry=[("A1.1", "A1")], target=["A1", "A2"], literacy=[["partial"]],
    funders={"*": ASSO_FUNDERS}, audience=[["immigrant"]], hours=["year"], patterns=["am9", "pm9", "am6"],
    style="year", formacodes=[FC_ALPHA, FC_BASICS], childcare=[None, False], capacity=(10, 14),
    sessions=(1, 2),
)
template(
    "alpha_pro", kind="alpha",
    titles=["Compétences de base et alphabétisation à visée professionnelle",
            "Alphabétisation à visée professionnelle — savoirs de base pour l'emploi"],
    summary=("Parcours pour demandeurs d'emploi peu ou pas scolarisés : lire et écrire en situation de "
             "travail (consignes, plannings, fiches de sécurité), calcul, repères sur le monde du travail, "
             "découverte de métiers qui recrutent et deux semaines de stage en entreprise."),
    entry=[("A0", "A1")], target=["A1"], literacy=[["none", "partial"]],
    funders={"*": [["region"], ["region", "eu"], ["france_travail"]]}, publics=[["jobseeker"]],
    audience=[["jobseeker", "immigrant"]], hours=[300, 350, 400], patterns=["semi18", "half15"],
    formacodes=[FC_ALPHA, FC_BASICS, FC_PREP], capacity=(12, 15), sessions=(2, 3),
)
template(
    "alpha_rsa", kind="alpha",
    titles=["Savoirs de base et alphabétisation — allocataires du RSA",
            "Alphabétisation et insertion — bénéficiaires du RSA"],
    summary=("Action d'insertion du Département : apprendre à lire, écrire et compter, se repérer dans les "
             "démarches (CAF, France Travail, santé) et construire un projet professionnel avec la "
             "référente RSA."),
    entry=[("A0", "A1.1")], target=["A1.1", "A1"], literacy=[["none", "partial"]],
    funders={"*": [["departement"], ["departement", "eu"]]}, publics=[["rsa"]], audience=[["rsa", "immigrant"]],
    hours=[150, 200, 250], patterns=["am9", "cir12"], formacodes=[FC_ALPHA, FC_BASICS],
    childcare=[None, True], capacity=(10, 12), sessions=(1, 3),
)

# --- ateliers sociolinguistiques ---------------------------------------------------------------
template(
    "asl_sante_ecole", kind="asl",
    titles=["Atelier sociolinguistique — santé et école", "ASL : se soigner et suivre la scolarité de ses enfants",
            "Atelier sociolinguistique — parentalité, école et santé"],
    summary=("Atelier sociolinguistique (ASL) pour gagner en autonomie : prendre rendez-vous chez le médecin, "
             "comprendre une ordonnance, échanger avec l'enseignant, lire le carnet de correspondance. "
             "Sorties pédagogiques à la PMI, au centre de santé, à la médiathèque et à l'école du quartier."),
    entry=[("A0", "A2"), ("A1.1", "A2"), (None, None)], target=["A1", "A2", None],
    literacy=[["none", "partial", "full"], ["partial", "full"], []],
    funders={"*": [["commune", "state_other"], ["bop104"], ["commune"], ["bop104", "commune"], ["other", "commune"]]},
    audience=[["immigrant", "women"], ["immigrant"]], hours=["year"], patterns=["women5", "am6", "pm6"],
    style="year", formacodes=[FC_FLE, FC_INTERCULT], childcare=[True, False, None], capacity=(10, 15),
    sessions=(1, 2),
)
template(
    "asl_numerique", kind="asl",
    titles=["Atelier sociolinguistique — démarches en ligne et numérique",
            "ASL numérique : faire ses démarches administratives en ligne"],
    summary=("Utiliser un smartphone et un ordinateur pour ses démarches : créer une adresse électronique, "
             "se connecter à son espace France Travail, CAF ou ameli, prendre un rendez-vous en ligne, "
             "repérer les messages frauduleux. Le français oral et écrit est travaillé à partir de ces "
             "situations."),
    entry=[("A1.1", "B1"), ("A1", "B1")], target=["A2", "B1"], literacy=[["partial", "full"]],
    funders={"*": [["commune", "state_other"], ["bop104"], ["bop104", "eu"]]}, audience=[["immigrant"]],
    hours=["year"], patterns=["pm6", "am6"], style="year", formacodes=[FC_FLE], childcare=[None, False],
    capacity=(8, 12), sessions=(1, 2),
)
template(
    "asl_femmes", kind="asl",
    titles=["Atelier sociolinguistique femmes — se repérer dans la ville",
            "ASL femmes : transports, commerces et services publics"],
    summary=("Atelier pour les femmes : se déplacer en transports en commun, faire ses courses, aller à la "
             "mairie, à la poste ou à la CAF, connaître ses droits. Visites en groupe et échanges en français "
             "à partir des situations vécues."),
    entry=[("A0", "A2"), (None, None)], target=["A1", "A2"], literacy=[["none", "partial", "full"], []],
    funders={"*": [["commune", "state_other"], ["bop104", "commune"], ["departement"]]}, publics=[["women"]],
    audience=[["women", "immigrant"]], hours=["year"], patterns=["women5", "womenpm"], style="year",
    formacodes=[FC_FLE, FC_INTERCULT], childcare=[True, True, None], capacity=(8, 12), sessions=(1, 2),
)
template(
    "asl_emploi", kind="asl",
    titles=["Atelier sociolinguistique à visée emploi", "ASL emploi : découvrir le monde du travail en France"],
    summary=("Pour des personnes qui ne sont pas encore prêtes pour une formation qualifiante : lire une offre "
             "d'emploi, se présenter, comprendre un contrat de travail et une fiche de paie, visites "
             "d'entreprises et rencontre avec un conseiller France Travail."),
    entry=[("A1.1", "A2"), ("A0", "A2")], target=["A2"], literacy=[["partial", "full"], ["none", "partial", "full"]],
    funders={"*": [["bop104"], ["state_other", "commune"], ["departement", "eu"]]}, audience=[["immigrant", "jobseeker"]],
    hours=["year"], patterns=["am6", "am9"], style="year", formacodes=[FC_FLE, FC_INTERCULT],
    childcare=[None, False], capacity=(10, 14), sessions=(1, 2),
)

# --- OFII CIR courses --------------------------------------------------------------------------
_CIR_SUMMARY = ("Formation linguistique prescrite par l'OFII aux signataires du contrat d'intégration "
                "républicaine (CIR), après le test de positionnement de la plateforme d'accueil. {what} "
                "Gratuite pour les participants ; une attestation est remise en fin de parcours.")
_CIR = dict(kind="cir", funders={"*": [["ofii"]]}, publics=[["cir_signatory"]], audience=[["cir_signatory"]],
            style="cir", cost={"ofii": (0, 0)}, childcare=[None, None, True], capacity=(12, 16), sessions=(3, 5))
template(
    "cir_600", titles=["Formation linguistique CIR — parcours 600 h (non-lecteurs, non-scripteurs)"],
    summary=_CIR_SUMMARY.format(what="Parcours de 600 heures pour les personnes qui n'ont pas ou peu appris à "
                                     "lire et à écrire : entrée dans l'écrit et oral du quotidien, objectif A1."),
    entry=[("A0", "A1.1")], target=["A1"], literacy=[["none", "partial"]], hours=[600], patterns=["cir20"],
    formacodes=[FC_FLE, FC_ALPHA], **_CIR,
)
template(
    "cir_400", titles=["Formation linguistique CIR — parcours 400 h"],
    summary=_CIR_SUMMARY.format(what="Parcours de 400 heures pour des personnes scolarisées qui débutent en "
                                     "français : communiquer dans la vie quotidienne, objectif A1."),
    entry=[("A0", "A0")], target=["A1"], literacy=[["full"]], hours=[400], patterns=["cir20", "cir12"], **_CIR,
)
template(
    "cir_200", titles=["Formation linguistique CIR — parcours 200 h"],
    summary=_CIR_SUMMARY.format(what="Parcours de 200 heures : consolider les bases à l'oral et à l'écrit, "
                                     "objectif A1."),
    entry=[("A0", "A1.1")], target=["A1"], literacy=[["full", "partial"]], hours=[200],
    patterns=["cir12", "cireve9"], **_CIR,
)
template(
    "cir_100", titles=["Formation linguistique CIR — parcours 100 h",
                       ("Formation linguistique CIR — parcours 100 h à distance", {"modality": ["remote"],
                                                                                   "patterns": ["rem6"]})],
    summary=_CIR_SUMMARY.format(what="Parcours de 100 heures pour les personnes proches du niveau A1 : "
                                     "objectif A1 à l'oral et à l'écrit."),
    entry=[("A1.1", "A1.1")], target=["A1"], literacy=[["full"]], hours=[100], patterns=["cir12", "cireve9"],
    **_CIR,
)
template(
    "cir_a2", titles=["Formation linguistique complémentaire OFII — vers le niveau A2 (100 h)"],
    summary=_CIR_SUMMARY.format(what="Formation complémentaire de 100 heures pour atteindre le niveau A2, "
                                     "exigé pour la carte de séjour pluriannuelle."),
    entry=[("A1", "A1")], target=["A2"], literacy=[["full"]], hours=[100], patterns=["cir12", "cireve9"], **_CIR,
)
template(
    "cir_b1", titles=["Formation linguistique complémentaire OFII — vers le niveau B1 (100 h)"],
    summary=_CIR_SUMMARY.format(what="Formation complémentaire de 100 heures pour atteindre le niveau B1, "
                                     "exigé pour la carte de résident."),
    entry=[("A2", "A2")], target=["B1"], literacy=[["full"]], hours=[100], patterns=["cir12", "cireve9"], **_CIR,
)

# --- FLE général -------------------------------------------------------------------------------
template(
    "fle_debutant", kind="fle_general",
    titles=["Français langue étrangère — débutants (A1)", "Cours de français pour grands débutants",
            "FLE débutant : communiquer au quotidien"],
    summary=("Pour des personnes scolarisées dans leur pays qui débutent en français : se présenter, "
             "demander son chemin, faire des achats, comprendre un message simple, écrire un court texte."),
    entry=[("A0", "A1.1")], target=["A1"], literacy=[["full"]],
    funders={"*": [["bop104"], ["commune"], ["bop104", "commune"]], "greta": [["region"]]},
    audience=[["immigrant"]], hours=["year"], patterns=["am6", "pm6", "eve4", "am9"], style="year",
    sector="tous_secteurs", childcare=[None, False], capacity=(12, 16), sessions=(1, 2),
)
template(
    "fle_a2", kind="fle_general",
    titles=["Français langue étrangère — vers le niveau A2", "FLE intermédiaire : consolider le niveau A2"],
    summary=("Pour progresser du niveau A1 vers le niveau A2 : conversations du quotidien, compréhension de "
             "documents courants, rédaction de messages et de courriers simples. Le niveau A2 est exigé "
             "pour la carte de séjour pluriannuelle."),
    entry=[("A1", "A1"), ("A1.1", "A1")], target=["A2"], literacy=[["full"], ["partial", "full"]],
    funders={"*": [["bop104"], ["commune"], ["bop104", "eu"]], "greta": [["region"]]}, audience=[["immigrant"]],
    hours=["year"], patterns=["am6", "pm6", "am9"], style="year", sector="tous_secteurs",
    childcare=[None, False], capacity=(12, 16), sessions=(1, 2),
)
template(
    "fle_soir", kind="fle_general",
    titles=["Cours de français du soir — tout public", "Français du soir et du samedi pour adultes"],
    summary=("Cours en petits groupes de niveau, en soirée, pour les personnes qui travaillent en "
             "journée. Animés par des formateurs bénévoles encadrés par une coordinatrice "
             "diplômée en FLE."),
    entry=[("A1", "B1"), (None, None)], target=[None, "B1"], literacy=[["full"], []],
    funders={"*": [["learner"], ["learner", "commune"]]}, publics=[["all"]], audience=[["employee", "immigrant"]],
    hours=["year"], patterns=["eve4", "evesat5"], style="year", sector="tous_secteurs", cost={"learner": (20, 60)},
    childcare=[False, None], capacity=(12, 18), sessions=(1, 2),
)
template(
    "fle_bpi", kind="fle_general",
    titles=["Français pour les réfugiés — parcours d'intégration",
            "Apprendre le français — bénéficiaires de la protection internationale"],
    summary=("Parcours de français et d'accompagnement vers l'emploi et le logement pour les personnes "
             "réfugiées ou bénéficiaires de la protection subsidiaire : cours intensifs, ateliers sur les "
             "démarches, découverte des métiers et rencontres avec des employeurs."),
    entry=[("A0", "A2"), ("A1.1", "A2")], target=["A2", "B1"], literacy=[["partial", "full"]],
    funders={"*": [["state_other"], ["bop104"], ["bop104", "other"]]}, publics=[["bpi"]], audience=[["bpi"]],
    hours=[200, 250, 300], patterns=["half15", "cir12"], sector="tous_secteurs", childcare=[None, False, True],
    capacity=(12, 15), sessions=(2, 3),
)
template(
    "fle_perf", kind="fle_general",
    titles=["Perfectionnement en français — du B1 au B2", "Français avancé : argumenter, rédiger, s'exprimer à l'oral"],
    summary=("Pour les personnes à l'aise à l'oral qui veulent gagner en précision : argumenter, rédiger une "
             "lettre formelle, comprendre la presse et les documents administratifs. Prépare aux études "
             "supérieures, à l'emploi qualifié et à la naturalisation (B2)."),
    entry=[("B1", "B1")], target=["B2"], literacy=[["full"]],
    funders={"*": [["region"], ["commune"]], "univ": [["region", "other"]], "ecole": [["learner"], ["cpf"]]},
    audience=[["immigrant"]], hours=[60, 80, 120], patterns=["eve4", "am6", "pm6"], style="short",
    sector="tous_secteurs", cost={"learner": ("h", 6, 10), "cpf": ("h", 12, 20)}, capacity=(10, 16),
    sessions=(2, 3), modality=["in_person", "in_person", "hybrid"],
)
template(
    "fle_jeunes", kind="fle_general",
    titles=["Français langue étrangère pour les 16-25 ans", "FLE jeunes : remise à niveau avant formation ou emploi"],
    summary=("Pour les jeunes de 16 à 25 ans arrivés récemment en France : cours intensifs de français, "
             "ateliers sur l'orientation, accompagnement vers une formation qualifiante, l'apprentissage ou "
             "un emploi."),
    entry=[("A0", "A2"), ("A1.1", "A2")], target=["A2"], literacy=[["partial", "full"]],
    funders={"*": [["region"], ["state_other"], ["commune", "state_other"]]}, publics=[["under_26"]],
    audience=[["under_26", "immigrant"]], hours=[200, 250, 300], patterns=["half15", "semi18"],
    sector="tous_secteurs", childcare=[None, False], capacity=(12, 15), sessions=(2, 3),
)

# --- FLE à visée professionnelle -----------------------------------------------------------------
_VOC = dict(kind="fle_pro", funders=VOC_FUNDERS, audience=[["jobseeker", "immigrant"], ["jobseeker", "cir_signatory"]],
            hours=[200, 250, 300, 350], patterns=["int24", "int29", "semi18", "half15"], style="cohort",
            formacodes=[FC_FLE, FC_APPLIED], childcare=[None, None, False], capacity=(12, 16), sessions=(2, 3))
_STAGE = " Stage de deux semaines en entreprise ; mise en relation avec des employeurs qui recrutent."


def vocational(key: str, sector: str, titles: list, summary: str, stage: bool = True, **kw: Any) -> None:
    args = {**_VOC, "entry": [("A1", "A2"), ("A1.1", "A1")], "target": ["B1", "A2"],
            "literacy": [["full"], ["partial", "full"]], "sector": sector, "rome": ROME.get(sector, [])}
    args.update(kw)
    template(key, titles=titles, summary=summary + (_STAGE if stage else ""), **args)


vocational(
    "pro_sap", "services_a_la_personne",
    ["FLE à visée professionnelle — métiers de l'aide à domicile",
     "Français et services à la personne : assistant(e) de vie",
     "Français professionnel — garde d'enfants et aide à domicile"],
    ("Le français des métiers de l'aide à domicile : se présenter à une personne âgée et à sa famille, "
     "lire un plan d'aide, écrire dans le cahier de liaison, comprendre les consignes d'hygiène et de "
     "sécurité, réagir en cas d'urgence."),
    entry=[("A2", "A2"), ("A1", "A2")], target=["B1"],
)
vocational(
    "pro_hotrest", "hotellerie_restauration",
    [("Français et hôtellerie-restauration (POEC)", {"funders": [["opco", "france_travail"]]}),
     "FLE à visée professionnelle — commis de cuisine et employé(e) polyvalent(e)",
     "Français professionnel — employé(e) d'étage et service en salle"],
    ("Le français de la cuisine, de la salle et de l'hébergement : comprendre une fiche technique, les "
     "règles d'hygiène (HACCP), les annonces de commande ; accueillir un client ; travailler en équipe "
     "dans un rythme soutenu."),
)
vocational(
    "pro_btp", "btp",
    ["FLE à visée professionnelle — métiers du bâtiment",
     "Français et gros œuvre : maçon(ne), coffreur(se)",
     "Français technique du BTP — lire un plan, comprendre les consignes de sécurité"],
    ("Le français du chantier : vocabulaire des matériaux et des outils, lecture de plans simples, "
     "consignes de sécurité et équipements de protection, échanges avec le chef d'équipe. Préparation à "
     "l'entrée en formation qualifiante (titre professionnel maçon, coffreur bancheur, plaquiste)."),
)
vocational(
    "pro_proprete", "proprete",
    ["Français professionnel — agent(e) de propreté et d'hygiène",
     "FLE à visée professionnelle — nettoyage de locaux"],
    ("Le français de la propreté : lire une fiche de poste et un protocole, identifier les produits et "
     "leurs pictogrammes de danger, remplir une fiche de traçabilité, échanger avec le client et le chef "
     "d'équipe."),
    target=["A2", "B1"], entry=[("A1.1", "A1"), ("A1", "A2")], literacy=[["partial", "full"]],
)
vocational(
    "pro_logistique", "logistique",
    [("Français et logistique — préparation de commandes (POE)", {"funders": [["france_travail"], ["opco", "france_travail"]]}),
     "FLE à visée professionnelle — magasinage et manutention"],
    ("Le français de l'entrepôt : lire un bon de préparation et une étiquette, utiliser un terminal de "
     "lecture, comprendre les consignes de sécurité et de gestes et postures. Préparation au CACES R489 "
     "en fin de parcours."),
    target=["A2", "B1"],
)
vocational(
    "pro_agri", "agriculture",
    ["Français et métiers agricoles — maraîchage et arboriculture",
     "FLE à visée professionnelle — espaces verts et horticulture",
     "Français pour les travaux viticoles et arboricoles"],
    ("Le français des métiers de la terre : outils et gestes, calendrier des cultures, consignes de "
     "sécurité (produits phytosanitaires, machines), lecture d'un planning de chantier. Alternance entre "
     "salle de formation et exploitations partenaires."),
    target=["A2"], entry=[("A1.1", "A1")], literacy=[["partial", "full"]],
)
vocational(
    "pro_industrie", "industrie",
    ["Français technique — industrie et montage-assemblage",
     "FLE à visée professionnelle — métiers de l'industrie (soudure, assemblage)"],
    ("Le français de l'atelier : lire une gamme de fabrication et un plan, comprendre les consignes de "
     "qualité et de sécurité, rendre compte d'un incident au chef d'équipe. Visites d'entreprises "
     "industrielles du territoire."),
)
vocational(
    "pro_agroal", "agroalimentaire",
    ["FLE à visée professionnelle — industries agroalimentaires",
     "Français et métiers de bouche : boucherie, boulangerie",
     "Français professionnel — conduite de ligne en agroalimentaire"],
    ("Le français des industries alimentaires et des métiers de bouche : règles d'hygiène et de "
     "traçabilité, lecture d'un ordre de fabrication, consignes de sécurité, travail en équipe postée."),
    target=["A2", "B1"],
)
vocational(
    "pro_securite", "securite_privee",
    ["Français professionnel — vers le titre d'agent(e) de prévention et de sécurité",
     "FLE sécurité privée : préparer l'entrée en formation d'agent de sécurité"],
    ("Préparer le niveau de français demandé pour l'entrée en formation d'agent de prévention et de "
     "sécurité (TFP APS) : rédiger une main courante et un rapport d'intervention, renseigner le public, "
     "comprendre les consignes et la réglementation."),
    entry=[("A2", "A2")], target=["B1"], literacy=[["full"]],
)
vocational(
    "pro_sante", "sante",
    ["Français à visée professionnelle — agent(e) de service hospitalier",
     ("FLE santé : préparer l'entrée en formation d'aide-soignant(e)", {"entry": [("B1", "B1")], "target": ["B2"]})],
    ("Le français de l'hôpital et de l'EHPAD : communiquer avec les patients et les résidents, comprendre "
     "les protocoles d'hygiène, les transmissions orales et écrites, le vocabulaire du corps et des soins."),
    entry=[("A2", "A2")], target=["B1"], literacy=[["full"]],
)
vocational(
    "pro_transport", "transport",
    ["Français pour les métiers du transport et de la livraison",
     "FLE à visée professionnelle — conducteur(trice) livreur(se) et poids lourd"],
    ("Le français de la route et de la livraison : code de la route et signalisation, bons de livraison, "
     "échanges avec les clients et l'exploitation, constat amiable. Prépare l'entrée en formation "
     "conducteur livreur ou FIMO."),
    entry=[("A2", "A2")], target=["B1"], literacy=[["full"]],
)
vocational(
    "pro_commerce", "commerce",
    ["Français professionnel — vente et mise en rayon",
     "Français et commerce : employé(e) de libre-service et hôte(sse) de caisse"],
    ("Le français du magasin : accueillir et renseigner un client, lire un plan de merchandising et des "
     "étiquettes, gérer un encaissement, traiter une réclamation simple."),
    formacodes=[FC_FLE, FC_APPLIED, FC_COMMERCIAL],
)
vocational(
    "pro_numerique", "numerique",
    ["Français et numérique — vers les métiers du développement web",
     "FLE à visée professionnelle — technicien(ne) d'assistance informatique"],
    ("Pour des personnes diplômées ou expérimentées dans le numérique dans leur pays : français technique "
     "de l'informatique, rédaction de tickets et de documentation, échanges en équipe et avec les "
     "utilisateurs, préparation aux entretiens d'embauche."),
    entry=[("B1", "B1")], target=["B2"], literacy=[["full"]], modality=["hybrid"], patterns=["hyb20"],
    hours=[300, 350], funders={"*": [["region"], ["region", "eu"], ["france_travail"]]},
)
vocational(
    "pro_general", "tous_secteurs",
    ["FLE à visée professionnelle — tous secteurs",
     "Français pour l'emploi : se présenter, postuler, travailler en équipe",
     "Français langue professionnelle — projet et découverte des métiers"],
    ("Français de la recherche d'emploi et du travail : CV et lettre, entretien d'embauche, codes de "
     "l'entreprise, droits et devoirs du salarié, découverte de métiers qui recrutent sur le territoire."),
    modality=["in_person", "hybrid"],
)
vocational(
    "pro_hope", "btp",
    ["Parcours HOPE — français à visée professionnelle et formation métier",
     "Programme HOPE : français, hébergement et qualification pour les réfugiés"],
    ("Programme HOPE (hébergement, orientation, parcours vers l'emploi) : 400 heures de français à visée "
     "professionnelle, puis formation qualifiante dans un métier qui recrute, avec hébergement et "
     "accompagnement social pendant tout le parcours."),
    funders={"*": [["state_other", "opco", "france_travail"]]}, publics=[["bpi"]], audience=[["bpi"]],
    hours=[400], patterns=["int29"], entry=[("A1", "A2"), ("A1.1", "A2")], target=["A2", "B1"],
    childcare=[False], stage=False,
)
vocational(
    "pro_cej", "tous_secteurs",
    ["Français pour l'emploi — jeunes en contrat d'engagement jeune",
     "Atelier français et insertion — 16-25 ans (mission locale)"],
    ("Pour les jeunes accompagnés par la mission locale (contrat d'engagement jeune) dont le français "
     "freine l'accès à l'emploi : français à l'oral et à l'écrit, immersions en entreprise, préparation "
     "aux entretiens."),
    funders={"*": [["state_other"], ["state_other", "region"]]}, publics=[["under_26"]],
    audience=[["under_26"]], hours=[120, 150, 200], patterns=["half15", "am9"], entry=[("A1.1", "A2")],
    target=["A2", "B1"], literacy=[["partial", "full"]],
)
vocational(
    "pro_salaries", "proprete",
    [("Français en situation de travail — salariés de la propreté", {}),
     ("Compétences linguistiques des salariés — hôtellerie et hébergement",
      {"sector": "hotellerie_restauration", "rome": ["G1501"]})],
    ("Pour des salariés en poste, sur le temps de travail : comprendre les consignes et les plannings, "
     "échanger avec les clients et l'encadrement, remplir les documents de traçabilité, connaître ses "
     "droits (fiche de paie, congés, formation)."),
    funders={"*": [["opco", "employer"], ["employer"]]}, publics=[["employee"]], audience=[["employee"]],
    hours=[60, 80, 100], patterns=["work4"], entry=[("A1.1", "A2")], target=["A2"], stage=False,
    literacy=[["partial", "full"]], childcare=[None], capacity=(8, 12), sessions=(1, 2),
)

# --- certification preparation --------------------------------------------------------------------
_CERT_FUNDERS = {"asso": [["bop104"], ["bop104", "commune"]], "greta": [["cpf"], ["region"], ["france_travail"]],
                 "cci": [["cpf"], ["cpf", "learner"], ["employer"]], "ecole": [["cpf"], ["learner"]],
                 "online": [["cpf"], ["learner"]], "univ": [["region", "other"], ["learner"]], "*": [["cpf"]]}
_CERT_COST = {"cpf": ("h", 14, 26), "learner": ("h", 7, 13), "employer": (0, 0)}
_EXAM = " Frais d'inscription à l'examen non compris."


def cert(key: str, titles: list, certification: str, entry: tuple, target: str, summary: str, **kw: Any) -> None:
    args = dict(kind="certification", funders=_CERT_FUNDERS, audience=[["immigrant"], ["employee", "jobseeker"]],
                hours=[30, 40, 60], patterns=["eve4", "sat3", "am6", "evesat5"], style="short",
                literacy=[["full"]], cost=_CERT_COST, capacity=(8, 15), sessions=(2, 3), sector=None)
    args.update(kw)
    template(key, titles=titles, summary=summary + _EXAM, entry=[entry], target=[target],
             certification=certification, **args)


cert("delf_a1", ["Préparation au DELF A1", "DELF A1 : s'entraîner aux quatre épreuves"], "DELF A1",
     ("A1.1", "A1.1"), "A1",
     "Entraînement aux épreuves du DELF A1 (compréhension et production orales et écrites), examens blancs.")
cert("delf_a2", ["Préparation au DELF A2", "Préparation au DELF A2 — carte de séjour pluriannuelle"], "DELF A2",
     ("A1", "A1"), "A2",
     ("Entraînement aux épreuves du DELF A2, diplôme reconnu pour la carte de séjour pluriannuelle : "
      "méthodologie, examens blancs, travail de l'oral en petits groupes."))
cert("delf_b1", ["Préparation au DELF B1",
                 "Préparer le niveau B1 pour la carte de résident (DELF B1)"], "DELF B1", ("A2", "A2"), "B1",
     ("Entraînement aux épreuves du DELF B1, exigé pour la carte de résident : compréhension de documents "
      "authentiques, expression d'une opinion, lettre et essai, examens blancs."),
     modality=["in_person", "in_person", "hybrid"])
cert("delf_b2", ["Préparation au DELF B2", "Préparation au DELF B2 — naturalisation"], "DELF B2", ("B1", "B1"), "B2",
     ("Entraînement aux épreuves du DELF B2, niveau exigé pour la naturalisation : argumentation écrite et "
      "orale, synthèse de documents, examens blancs corrigés."), modality=["in_person", "in_person", "hybrid"])
cert("dalf_c1", ["Préparation au DALF C1",
                 ("DU Passerelle — étudiants en exil : français et préparation au DALF C1",
                  {"publics": [["bpi"]], "audience": [["bpi"]], "hours": [250, 300], "patterns": ["half15"],
                   "style": "cohort", "funders": [["region", "other"], ["state_other", "other"]]})], "DALF C1", ("B2", "B2"), "C1",
     ("Préparation au DALF C1 pour la poursuite d'études ou l'emploi qualifié : synthèse de documents, "
      "exposé oral, méthodologie universitaire."))
cert("dalf_c2", ["Préparation au DALF C2"], "DALF C2", ("C1", "C1"), "C2",
     ("Préparation au DALF C2 pour les personnes déjà très à l'aise en français : synthèse et "
      "argumentation à partir d'un dossier, débat avec le jury."), hours=[40, 60], patterns=["sat3", "eve4"])
cert("tcf_irn", [("Préparation au TCF IRN — carte de résident (B1)", {"entry": [("A2", "A2")], "target": ["B1"]}),
                 ("Préparation au TCF IRN — naturalisation (B2)", {"entry": [("B1", "B1")], "target": ["B2"]})],
     "TCF IRN", ("A2", "A2"), "B1",
     ("Entraînement au TCF IRN (intégration, résidence, nationalité) : format des épreuves, gestion du "
      "temps, entraînement intensif à l'oral et à l'écrit."), hours=[20, 30, 40])
cert("tef_irn", ["Préparation au TEF IRN en ligne"], "TEF IRN", ("A2", "B1"), "B2",
     ("Préparation en ligne au TEF IRN : classes virtuelles en soirée, exercices et tests blancs sur la "
      "plateforme, suivi par un formateur."), modality=["remote"], patterns=["rem3"], hours=[30, 40])
cert("dcl_fle", ["Préparation au DCL FLE (diplôme de compétence en langue)"], "DCL FLE", ("A1", "A2"), "B1",
     ("Préparation au diplôme de compétence en langue (DCL FLE), diplôme national professionnel éligible "
      "au CPF : scénario d'une tâche professionnelle, de la compréhension à la rédaction."),
     hours=[60, 80], patterns=["eve4", "evesat5"])

# --------------------------------------------------------------------------------------------
# Organisations (fictional) per région, with their sites and the courses they run.
# type: asso | centre_social | greta | afpa | cci | ofii | ml | e2c | univ | ecole | online | geiq
# `publish`: the association publishes its own offers (source `of-<siret>`).
# A run is a template key, or (template key, overrides).
# --------------------------------------------------------------------------------------------


@dataclass
class Org:
    name: str
    type: str
    towns: list[str]
    runs: list[Any]
    publish: bool = False
    siret: str = ""


CIR_ALL = ["cir_600", "cir_400", "cir_200", "cir_100", "cir_a2", "cir_b1"]
CIR_MOST = ["cir_600", "cir_400", "cir_200", "cir_a2"]
HOPE_SECTORS = ["btp", "logistique", "industrie", "hotellerie_restauration", "proprete"]

ORGS: list[Org] = [
    # ---------------- Île-de-France ----------------
    Org("Association Langues et Solidarités", "asso", ["93066", "93070"],
        ["alpha_base", "alpha_femmes", "asl_sante_ecole", "fle_debutant"]),
    Org("Centre social Le Lien", "centre_social", ["93066"], ["asl_femmes", "alpha_femmes"]),
    Org("Femmes Relais Aubervilliers", "asso", ["93001"], ["alpha_femmes", "asl_sante_ecole", "asl_numerique"],
        publish=True),
    Org("GRETA de la Seine-Saint-Denis Nord", "greta", ["93008", "93066", "93005"],
        ["pro_sap", "pro_logistique", "pro_general", "delf_b1", "alpha_pro"]),
    Org("Institut de formation pour adultes d'Île-de-France (IFA-IDF)", "afpa", ["93048", "94028", "95127"],
        ["pro_btp", ("pro_hope", {"sector": "btp"}), "pro_industrie", "pro_hotrest",
         ("pro_hope", {"sector": "logistique"})]),
    Org("Langues & Parcours Île-de-France", "ofii", ["75118", "75119", "93008", "94028", "95018", "93048"],
        CIR_ALL),
    Org("Mission locale de Plaine Commune", "ml", ["93066", "93001"], ["pro_cej", "fle_jeunes"]),
    Org("École de la deuxième chance de Seine-Saint-Denis", "e2c", ["93008", "93071"], ["fle_jeunes", "pro_cej"]),
    Org("Centre de langues de la CCI Val-de-Marne", "cci", ["94028"], ["delf_b2", "dcl_fle", "tcf_irn", "pro_commerce"]),
    Org("Parole et Savoirs Paris 18", "asso", ["75118"], ["alpha_base", "post_alpha", "fle_soir", "asl_numerique"],
        publish=True),
    Org("Maison des femmes de Belleville", "asso", ["75120", "75119"], ["alpha_femmes", "asl_femmes"]),
    Org("Accueil Réfugiés Formation", "asso", ["75110", "75119"], ["fle_bpi", "delf_a2", "fle_a2"]),
    Org("Université Paris-Est — Service de français langue étrangère", "univ", ["94028"],
        [("dalf_c1", {"title": 1}), "fle_perf", ("delf_b2", {"funders": [["region", "other"]]})]),
    Org("Institut de langue française de Paris", "ecole", ["75105", "75111"],
        ["dalf_c2", "delf_b2", "tcf_irn", ("dalf_c1", {"title": 0})]),
    Org("Français en Ligne Formation", "online", ["75111"], ["tef_irn", ("delf_b1", {"modality": ["remote"],
                                                                                    "patterns": ["rem3"]}),
                                                            ("pro_numerique", {
                                                                "funders": [["cpf"]], "modality": ["remote"],
                                                                "patterns": ["rem6"], "hours": [120],
                                                                "cost": {"cpf": ("h", 12, 18)}})]),
    Org("GEIQ Propreté Île-de-France", "geiq", ["94081", "93048"], ["pro_salaries", "pro_proprete"]),
    Org("Association Val-de-Marne Alpha", "asso", ["94081", "94041", "94017"],
        ["alpha_base", "asl_emploi", "fle_a2", "alpha_rsa"]),
    Org("GRETA du Val-d'Oise", "greta", ["95018", "95127", "95585"],
        ["pro_sante", "pro_securite", "pro_transport", "alpha_pro", "delf_a2"]),
    Org("Centre social Rosa-Parks", "centre_social", ["95585", "95268"], ["asl_sante_ecole", "alpha_femmes"]),
    Org("Solidarité Emploi Val-d'Oise", "asso", ["95680", "95585"], ["alpha_rsa", "asl_emploi"]),
    Org("GRETA du Val-de-Marne", "greta", ["94076", "94054", "94022"], ["pro_hotrest", "pro_agroal", "fle_a2"]),
    Org("Jardins de la Plaine de France", "asso", ["95277"], [("pro_agri", {"funders": [["region"], ["state_other"]]})]),
    Org("Centre social et culturel de l'Abreuvoir", "centre_social", ["93005", "93014"],
        ["asl_sante_ecole", "alpha_base", "fle_debutant"]),
    Org("Association Pantin Langues Partagées", "asso", ["93055", "93027"], ["fle_debutant", "delf_a1", "asl_emploi"],
        publish=True),
    # ---------------- Provence-Alpes-Côte d'Azur ----------------
    Org("Marseille Alpha Solidarité", "asso", ["13203", "13215"], ["alpha_base", "alpha_femmes", "asl_sante_ecole"],
        publish=True),
    Org("Centre social Belle-de-Mai Horizons", "centre_social", ["13203"], ["asl_femmes", "fle_debutant"]),
    Org("GRETA Provence-Marseille", "greta", ["13201", "13213", "13117", "13001"],
        ["pro_hotrest", "pro_sap", "pro_logistique", "delf_b1", "alpha_pro"]),
    Org("Langues & Parcours Sud", "ofii", ["13201", "13214", "06088", "83137", "84007"], CIR_ALL),
    Org("IFA Méditerranée", "afpa", ["13215", "13117", "83126"],
        ["pro_btp", "pro_industrie", ("pro_hope", {"sector": "industrie"}), "pro_transport"]),
    Org("Accueil Azur Nice", "asso", ["06088"], ["fle_bpi", "alpha_base", "asl_numerique"]),
    Org("Centre de langues de la CCI Alpes-Maritimes", "cci", ["06088", "06029"],
        [("pro_hotrest", {"title": 2}), "delf_b2", "tcf_irn"]),
    Org("Toulon Alpha Var", "asso", ["83137", "83126"], ["alpha_rsa", "asl_emploi", "fle_a2"]),
    Org("Mission locale Toulon Provence Méditerranée", "ml", ["83137", "83069"], ["pro_cej"]),
    Org("Espace Langues Vaucluse", "asso", ["84007", "84035"], ["pro_agri", "alpha_base", "fle_a2"]),
    Org("GRETA Vaucluse", "greta", ["84007", "84031", "84087"], ["pro_agroal", "pro_proprete", "delf_a2"]),
    Org("Association Pays d'Aix Accueil Français", "asso", ["13001", "13056"], ["fle_debutant", "asl_sante_ecole"]),
    # ---------------- Auvergne-Rhône-Alpes ----------------
    Org("Lyon Alpha Guillotière", "asso", ["69387"], ["alpha_base", "post_alpha", "asl_sante_ecole"], publish=True),
    Org("Centre social Parilly", "centre_social", ["69259", "69029"], ["alpha_femmes", "asl_femmes"]),
    Org("GRETA Lyon Métropole", "greta", ["69388", "69266", "69256"],
        ["pro_logistique", "pro_industrie", "pro_sante", "delf_a2", "pro_commerce"]),
    Org("Langues & Parcours Auvergne-Rhône-Alpes", "ofii", ["69383", "69266", "38185", "42218", "63113"], CIR_ALL),
    Org("IFA Auvergne-Rhône-Alpes", "afpa", ["69259", "38151", "69199"],
        ["pro_btp", ("pro_hope", {"sector": "logistique"}), "pro_transport"]),
    Org("Centre universitaire de FLE de Grenoble", "univ", ["38421"],
        [("dalf_c1", {"title": 1}), "fle_perf", "delf_b2"]),
    Org("Isère Français Accueil", "asso", ["38185", "38151"], ["fle_bpi", "asl_numerique", "fle_debutant"]),
    Org("Forez Alpha", "asso", ["42218", "42095"], ["alpha_base", "alpha_rsa", "asl_sante_ecole"]),
    Org("Mission locale de Saint-Étienne Métropole", "ml", ["42218", "42207"], ["pro_cej"]),
    Org("GRETA Auvergne", "greta", ["63113", "63300", "63430"], ["pro_agroal", "pro_agri", "pro_general"]),
    Org("Clermont Accueil Langues", "asso", ["63113", "63124"], ["fle_debutant", "fle_soir", "delf_a2"]),
    Org("Association Vaulx Savoirs", "asso", ["69256", "69286"], ["alpha_femmes", "asl_emploi"]),
    # ---------------- Bretagne ----------------
    Org("Rennes Langues Partagées", "asso", ["35238"], ["fle_debutant", "fle_soir", "asl_sante_ecole"], publish=True),
    Org("GRETA Est-Bretagne", "greta", ["35238", "35115", "35360"],
        [("pro_agroal", {"title": 2}), "pro_industrie", "delf_a2", "pro_sap"]),
    Org("Langues & Parcours Bretagne", "ofii", ["35238", "29019", "56121", "22278"], CIR_MOST),
    Org("Maison de l'Accueil Brest", "asso", ["29019"], ["fle_bpi", "alpha_base", "post_alpha"]),
    Org("GRETA Bretagne Occidentale", "greta", ["29019", "29232", "29151"],
        ["pro_sap", "pro_hotrest", ("pro_agri", {"title": 0})]),
    Org("Lorient Solidarité Langues", "asso", ["56121", "56098"], ["alpha_femmes", "asl_femmes", "fle_a2"]),
    Org("Mission locale du Pays de Saint-Brieuc", "ml", ["22278", "22070"], ["pro_cej", "fle_jeunes"]),
    Org("Centre de langues de la CCI du Morbihan", "cci", ["56260"], ["delf_b1", "tcf_irn", "dcl_fle"]),
    Org("IFA Bretagne", "afpa", ["35238", "22278"], [("pro_hope", {"sector": "industrie"}), "pro_btp"]),
    # ---------------- Hauts-de-France ----------------
    Org("Lille Alpha Moulins", "asso", ["59350"], ["alpha_base", "post_alpha", "asl_sante_ecole"], publish=True),
    Org("Centre social des Trois-Ponts", "centre_social", ["59512", "59599"], ["alpha_femmes", "asl_femmes"]),
    Org("GRETA Lille Métropole", "greta", ["59350", "59599", "59009"],
        ["pro_logistique", "pro_proprete", "pro_securite", "delf_b1", "pro_numerique"]),
    Org("Langues & Parcours Hauts-de-France", "ofii", ["59350", "59512", "62498", "80021", "60057"], CIR_ALL),
    Org("IFA Hauts-de-France", "afpa", ["59183", "59606", "62193"],
        ["pro_industrie", "pro_btp", ("pro_hope", {"sector": "btp"})]),
    Org("Calais Accueil Français", "asso", ["62193", "62160"], ["fle_bpi", "alpha_base"]),
    Org("Lens Langues et Savoirs", "asso", ["62498", "62510"], ["alpha_rsa", "fle_a2", "asl_emploi"]),
    Org("Mission locale de l'Amiénois", "ml", ["80021"], ["pro_cej", "fle_jeunes"]),
    Org("GRETA Picardie", "greta", ["80021", "60057", "60175", "80001"],
        [("pro_agri", {"title": 0}), "pro_agroal", "pro_transport", "pro_sap"]),
    Org("Creil Alpha Oise", "asso", ["60175", "60463"], ["alpha_femmes", "asl_emploi", "fle_debutant"]),
    Org("Association Douaisis Alpha", "asso", ["59178", "59392"], ["alpha_base", "asl_sante_ecole"]),
    # ---------------- Occitanie ----------------
    Org("Toulouse Alpha Mirail", "asso", ["31555"], ["alpha_base", "alpha_femmes", "asl_sante_ecole"], publish=True),
    Org("GRETA Midi-Pyrénées Centre", "greta", ["31555", "31149", "31069"],
        ["pro_industrie", "pro_hotrest", "delf_b1", "pro_numerique", "pro_general"]),
    Org("Langues & Parcours Occitanie", "ofii", ["31555", "34172", "30189", "66136"], CIR_ALL),
    Org("IFA Occitanie", "afpa", ["31555", "34172", "31395"],
        ["pro_btp", ("pro_hope", {"sector": "hotellerie_restauration"}), "pro_securite"]),
    Org("Montpellier Accueil Langues", "asso", ["34172", "34145"], ["fle_bpi", "asl_numerique", "fle_debutant"]),
    Org("GRETA Languedoc", "greta", ["34032", "34301"], [("pro_agri", {"title": 2}), "pro_hotrest", "pro_sap"]),
    Org("Nîmes Solidarité Alpha", "asso", ["30189", "30007"], ["alpha_rsa", "alpha_femmes", "asl_femmes"]),
    Org("Perpignan Catalogne Langues", "asso", ["66136", "66172"],
        ["alpha_base", "asl_emploi", ("pro_agri", {"title": 0, "funders": [["region"], ["state_other"]]})]),
    Org("Mission locale Montpellier Méditerranée", "ml", ["34172"], ["pro_cej", "fle_jeunes"]),
    Org("Institut de français de Montpellier", "ecole", ["34172"], [("dalf_c1", {"title": 0}), "delf_b2", "dalf_c2", "tcf_irn"]),
    Org("GEIQ Propreté Occitanie", "geiq", ["31555"], ["pro_salaries"]),
]


# --------------------------------------------------------------------------------------------
# Helpers: SIRET, dates, sentences.
# --------------------------------------------------------------------------------------------


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _complete_luhn(body: str) -> str:
    for last in "0123456789":
        if luhn_ok(body + last):
            return body + last
    raise AssertionError("unreachable")


def make_siret(rng: random.Random, org: Org, used: set[str]) -> str:
    dep = TOWNS[org.towns[0]].dep
    while True:
        if org.type in ("greta", "univ"):
            head = "19" + dep + "".join(rng.choice("0123456789") for _ in range(4))  # public bodies
        elif org.type == "cci":
            head = "18" + dep + "".join(rng.choice("0123456789") for _ in range(4))
        else:
            head = rng.choice("3457") + "".join(rng.choice("0123456789") for _ in range(7))
        siren = _complete_luhn(head)
        nic = "000" + rng.choice("1234")
        siret = _complete_luhn(siren + nic)
        if siret not in used:
            used.add(siret)
            return siret


def week_start(week: int, slots: list[dict[str, str]]) -> date:
    """First class day of the week `week` weeks after the reference week."""
    first = min((DAYS.index(s["day"]) for s in slots), default=0)
    return REFERENCE_DATE + timedelta(weeks=week, days=first)


def week_end(start_week: int, weeks: int, slots: list[dict[str, str]]) -> date:
    """Last class day of the last of `weeks` weeks starting at `start_week`."""
    last = max((DAYS.index(s["day"]) for s in slots), default=4)
    return REFERENCE_DATE + timedelta(weeks=start_week + weeks - 1, days=last)


def month_last(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def add_months(d: date, n: int) -> date:
    m = d.month - 1 + n
    return date(d.year + m // 12, m % 12 + 1, 1)


LEVEL_ORDER = ["A0", "A1.1", "A1", "A2", "B1", "B2", "C1", "C2"]


def _below_target(lo: str | None, hi: str | None, target: str | None) -> tuple[str | None, str | None]:
    """Entry range capped below the target: a person already at the target is not admitted."""
    if target is None or hi is None:
        return lo, hi
    cap = LEVEL_ORDER.index(target) - 1
    if LEVEL_ORDER.index(hi) > cap:
        hi = LEVEL_ORDER[cap]
        if lo is not None and LEVEL_ORDER.index(lo) > cap:
            lo = hi
    return lo, hi


PUBLIC_SENTENCES = {
    "bpi": "Réservé aux bénéficiaires de la protection internationale (réfugiés, protection subsidiaire).",
    "women": "Réservé aux femmes.",
    "under_26": "Réservé aux jeunes de 16 à 25 ans accompagnés par une mission locale.",
    "rsa": "Réservé aux allocataires du RSA orientés par le Département.",
    "jobseeker": "Pour les demandeurs d'emploi inscrits à France Travail, sur prescription de leur conseiller.",
    "cir_signatory": "Réservé aux signataires du CIR, sur prescription de l'OFII.",
    "employee": "Pour les salariés des entreprises partenaires, sur le temps de travail.",
    "immigrant": ("Pour les personnes étrangères primo-arrivantes en situation régulière (moins de cinq ans "
                  "de séjour en France)."),
}


def _pick_publics(rng: random.Random, tpl: dict[str, Any], funders: list[str]) -> list[str]:
    if tpl["publics"] is not None:
        return list(rng.choice(tpl["publics"]))
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
    return rng.choice([["all"], [], []])


def _cost(rng: random.Random, tpl: dict[str, Any], funders: list[str], hours: float) -> float | None:
    """Cost to the learner: a fixed fee `(lo, hi)` or a price per hour `("h", lo, hi)`; else free."""
    for f in funders:
        spec = tpl["cost"].get(f)
        if spec is None:
            continue
        if spec[0] == "h":
            return float(max(150, round(hours * rng.uniform(spec[1], spec[2]) / 10) * 10))
        lo, hi = spec
        return float(lo if lo == hi else rng.randrange(lo, hi + 1, 10 if hi <= 100 else 50))
    return 0.0


def _summary(rng: random.Random, base: str, offer: dict[str, Any], style: str, carif: bool) -> str:
    parts = [base]
    restricted = [p for p in offer["publics"] if p != "all"]
    for p in restricted:
        if p in PUBLIC_SENTENCES and not (p == "cir_signatory" and offer["kind"] == "cir"):
            parts.append(PUBLIC_SENTENCES[p])
    if not restricted and offer["kind"] in ("alpha", "asl", "fle_general") and rng.random() < 0.6:
        parts.append("Ouvert à toutes et à tous, sans condition de statut.")
    if offer["childcare"] is True and "halte-garderie" not in base:
        parts.append(rng.choice([
            "Halte-garderie sur place pour les enfants de moins de 3 ans pendant les cours.",
            "Garde d'enfants possible sur place pendant les séances (places limitées, à demander à l'inscription).",
        ]))
    cost = offer["cost_to_learner"]
    funders = offer["funders"]
    if cost == 0 and offer["kind"] != "cir":
        parts.append(rng.choice(["Gratuit pour les participants.", "Formation gratuite.",
                                 "Aucun frais pour les stagiaires."]))
    elif cost and "cpf" in funders:
        parts.append(f"Coût : {cost:.0f} €, finançable par le compte personnel de formation (CPF).")
    elif cost and cost <= 100:
        parts.append(f"Adhésion annuelle à l'association : {cost:.0f} €.")
    elif cost:
        parts.append(f"Tarif : {cost:.0f} € à la charge du stagiaire.")
    if style in ("year",) or offer["kind"] == "cir":
        parts.append(rng.choice([
            "Entrées et sorties permanentes, après un entretien et un test de positionnement.",
            "Inscription tout au long de l'année après un test de positionnement, dans la limite des places.",
        ]))
    elif offer["kind"] == "fle_pro":
        parts.append("Information collective et tests de positionnement avant l'entrée en formation.")
    if offer["modality"] == "remote":
        parts.append("Formation entièrement à distance : classes virtuelles et exercices en ligne ; un ordinateur "
                     "ou une tablette et une connexion internet sont nécessaires.")
    elif offer["modality"] == "hybrid":
        parts.append("Formation mixte : cours sur place et séances en visioconférence.")
    return " ".join(parts)


# --------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------


class Builder:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.used_siret: set[str] = set()
        self.used_ids: set[str] = set()
        self.addresses: dict[tuple[str, str], str] = {}

    def ident(self, fmt: str, lo: int, hi: int) -> str:
        while True:
            value = fmt.format(self.rng.randint(lo, hi))
            if value not in self.used_ids:
                self.used_ids.add(value)
                return value

    def address(self, org: Org, insee: str) -> str:
        key = (org.name, insee)
        if key not in self.addresses:
            streets = STREETS.get(insee, GENERIC_STREETS)
            self.addresses[key] = f"{self.rng.randint(1, 140)} {self.rng.choice(streets)}"
        return self.addresses[key]

    def location(self, org: Org, insee: str) -> dict[str, Any]:
        t = TOWNS[insee]
        return {"address": self.address(org, insee), "postcode": t.postcode, "insee": t.insee, "city": t.name,
                "departement": t.dep, "region": t.reg, "lat": t.lat, "lon": t.lon}

    # -- one offer ---------------------------------------------------------------------------
    def offer(self, org: Org, key: str, over: dict[str, Any], n: int) -> dict[str, Any]:
        rng = self.rng
        tpl = dict(T[key])
        title_choice = over.pop("title", None)
        titles = tpl["titles"]
        raw_title = titles[title_choice] if title_choice is not None else titles[n % len(titles)]
        title, title_over = (raw_title, {}) if isinstance(raw_title, str) else raw_title
        tpl.update(title_over)
        if "sector" in over:
            over = {**over, "rome": ROME[over["sector"]]}
        tpl.update(over)

        funder_opts = (tpl["funders"] if isinstance(tpl["funders"], list)
                       else tpl["funders"].get(org.type, tpl["funders"].get("*")))
        funders = list(rng.choice(funder_opts))
        publics = _pick_publics(rng, tpl, funders)
        entry_min, entry_max = rng.choice(tpl["entry"])
        target = rng.choice(tpl["target"])
        literacy = list(rng.choice(tpl["literacy"]))
        carif = not org.publish
        # CARIF records are often incomplete: drop a few facts (never on OFII or certification data).
        if carif and tpl["kind"] not in ("cir", "certification"):
            r = rng.random()
            if r < 0.05:
                entry_min = entry_max = None
            elif r < 0.09:
                target = None
            elif r < 0.15:
                literacy = []
        entry_min, entry_max = _below_target(entry_min, entry_max, target)
        modality = rng.choice(tpl["modality"])
        childcare = rng.choice(tpl["childcare"])
        sectors = [tpl["sector"]] if tpl["sector"] else []
        rome = list(tpl["rome"]) if tpl["rome"] else []
        if rome:
            rome = rome[: rng.randint(1, min(3, len(rome)))]

        family = rng.choice(tpl["patterns"])
        variants = PATTERNS[family]
        hpw = _hours(variants[0])
        unknown_schedule = carif and modality != "remote" and rng.random() < 0.06
        hours_total = tpl["hours"][rng.randrange(len(tpl["hours"]))]
        if hours_total == "year":
            hours_total = hpw * 32
        hours_total = float(hours_total)
        daytime = all(s["day"] not in ("sat", "sun") and s["end"] <= "17:30" for v in variants for s in v)
        if modality == "remote" or (childcare and not daytime):
            childcare = None  # no crèche for visio, evening or weekend classes
        cost = _cost(rng, tpl, funders, hours_total)
        if carif and cost == 0 and tpl["kind"] not in ("cir",) and rng.random() < 0.04:
            cost = None  # not stated in the feed

        audience = list(rng.choice(tpl["audience"]))
        offer: dict[str, Any] = {
            "title": title,
            "summary": "",
            "kind": tpl["kind"],
            "organisation": {"name": org.name, "siret": org.siret},
            "funders": funders,
            "entry_level": {"min": entry_min, "max": entry_max},
            "target_level": target,
            "literacy_accepted": literacy,
            "sectors": sectors,
            "rome_codes": rome,
            "formacodes": list(tpl["formacodes"]),
            "modality": modality,
            "hours_total": hours_total,
            "hours_per_week": None if unknown_schedule and rng.random() < 0.5 else hpw,
            "publics": publics,
            "audience": audience,
            "childcare": childcare,
            "cost_to_learner": cost,
            "certification": tpl["certification"],
        }
        offer["summary"] = _summary(rng, tpl["summary"], offer, tpl["style"], carif)
        stamp = datetime.combine(REFERENCE_DATE - timedelta(days=rng.randint(1, 75)), datetime.min.time())
        offer["source_updated_at"] = (stamp + timedelta(hours=rng.choice([2, 3, 6, 9, 14]),
                                                         minutes=rng.randrange(0, 60, 5))).strftime("%Y-%m-%dT%H:%M:%SZ")
        region = TOWNS[org.towns[0]].reg
        offer["formation_id"] = self.ident(region + "_FO_{:07d}", 10_000, 999_999) if carif else None
        offer["sessions"] = self.sessions(org, tpl, offer, variants, hpw, hours_total, unknown_schedule, carif)
        return offer

    # -- its sessions --------------------------------------------------------------------------
    def sessions(self, org: Org, tpl: dict[str, Any], offer: dict[str, Any], variants: list, hpw: float,
                 hours_total: float, unknown_schedule: bool, carif: bool) -> list[dict[str, Any]]:
        rng = self.rng
        style = tpl["style"]
        lo, hi = tpl["sessions"]
        count = rng.randint(lo, hi)
        remote = offer["modality"] == "remote"
        towns = list(org.towns)
        rng.shuffle(towns)
        weeks = max(1, math.ceil(hours_total / hpw))
        plans: list[dict[str, Any]] = []

        if style == "year":
            # school-year groups with rolling entry (Sept → June), one per site or time slot
            for i in range(count):
                plans.append({"rolling": True, "start_week": rng.choice([-14, -13, -13, -12]), "weeks": 42,
                              "town": towns[i % len(towns)] if i < 1 or len(towns) > 1 else towns[0]})
            if rng.random() < 0.25:
                m = add_months(REFERENCE_DATE, rng.randint(2, 4))
                plans.append({"rolling": rng.random() < 0.5, "month_start": m,
                              "month_end": date(m.year, 6, 1) if m.month <= 6 else add_months(m, 3),
                              "town": towns[0]})
        elif style == "cir":
            for i in range(count):
                town = towns[i % len(towns)]
                if i % 2 == 0:  # continuous entry, running since a few weeks
                    start = -rng.randint(2, 10)
                    plans.append({"rolling": True, "start_week": start, "weeks": weeks + rng.randint(0, 4),
                                  "town": town})
                else:
                    plans.append({"rolling": False, "start_week": rng.randint(1, 20), "weeks": weeks, "town": town})
        else:
            # cohorts: maybe one already finished, maybe one running, then planned ones
            cursor = rng.choice([-weeks - 3, -2, 1, 2, 3]) if style == "cohort" else rng.choice([-weeks - 2, 1, 2])
            for i in range(count):
                town = towns[i % len(towns)]
                plan = {"rolling": False, "start_week": cursor, "weeks": weeks, "town": town}
                if cursor > 14 and rng.random() < 0.35:
                    m = add_months(REFERENCE_DATE + timedelta(weeks=cursor), 0)
                    plan = {"rolling": False, "month_start": m,
                            "month_end": add_months(m, max(0, math.ceil(weeks / 4.3) - 1)) if rng.random() < 0.7
                            else None, "town": town}
                plans.append(plan)
                gap = rng.randint(2, 8) if style == "cohort" else rng.randint(3, 10)
                cursor = max(cursor + (weeks if len(towns) == 1 or style == "short" else 0) + gap, 1)
                if cursor > 34:
                    break

        out = []
        variant_order = list(range(len(variants)))
        rng.shuffle(variant_order)
        for i, plan in enumerate(plans):
            slots = [] if unknown_schedule else [dict(s) for s in variants[variant_order[i % len(variants)]]]
            s: dict[str, Any] = {"external_id": ""}
            if carif:
                s["external_id"] = self.ident("SE_{:07d}", 100_000, 9_999_999)
            else:
                s["external_id"] = f"G{i + 1}"
            shape = slots or variants[0]
            if "month_start" in plan:
                s["start_date"] = plan["month_start"].isoformat()
                s["start_precision"] = "month"
                if plan["month_end"] is None:
                    s["end_date"] = None
                    s["end_precision"] = "day"
                else:
                    s["end_date"] = month_last(plan["month_end"]).isoformat()
                    s["end_precision"] = "month"
                ended = False
                started = False
            else:
                start = week_start(plan["start_week"], shape)
                end = week_end(plan["start_week"], plan["weeks"], shape)
                s["start_date"] = start.isoformat()
                s["end_date"] = end.isoformat()
                s["start_precision"] = "day"
                s["end_precision"] = "day"
                ended = end < REFERENCE_DATE
                started = start <= REFERENCE_DATE
            s["rolling_entry"] = plan["rolling"]
            s["schedule"] = slots
            s["location"] = None if remote else self.location(org, plan["town"])
            cap_lo, cap_hi = tpl["capacity"]
            capacity = rng.randint(cap_lo, cap_hi) if not remote else rng.choice([15, 20, 25])
            if ended:
                status, places = "closed", None
            else:
                r = rng.random()
                if r < 0.08:
                    status, places = "full", 0
                elif r < 0.11:
                    status, places = "open", 0
                elif r < 0.14:
                    status, places = "suspended", None
                elif r < 0.16:
                    status, places = "cancelled", None
                else:
                    status = "open"
                    if plan["rolling"] or started:
                        places = rng.randint(1, max(1, capacity // 3))
                    else:
                        places = rng.randint(capacity // 2, capacity)
                if status == "open" and places and rng.random() < 0.22:
                    places = None  # the feed gives no figure
            if carif and status != "closed" and rng.random() < 0.1:
                capacity = None
            s["capacity"] = capacity
            s["places_available"] = places
            s["funded_places"] = (capacity if capacity and carif and set(offer["funders"]) &
                                  {"region", "france_travail", "ofii"} and rng.random() < 0.4 else None)
            s["status"] = status
            out.append(s)
        # at most one unknown-date session per offer: an announced session whose dates are not fixed
        if carif and tpl["style"] in ("cohort", "short") and rng.random() < 0.05:
            extra = {"external_id": self.ident("SE_{:07d}", 100_000, 9_999_999), "start_date": None,
                     "end_date": None, "start_precision": "day", "end_precision": "day", "rolling_entry": False,
                     "schedule": [], "location": None if remote else self.location(org, towns[0]),
                     "capacity": None, "places_available": None, "funded_places": None, "status": "open"}
            out.append(extra)
        return out

    # -- whole catalogue -------------------------------------------------------------------------
    def build(self) -> dict[str, Any]:
        for org in ORGS:
            org.siret = make_siret(self.rng, org, self.used_siret)
        entries = []
        seen_templates: Counter[str] = Counter()
        for org in ORGS:
            region = TOWNS[org.towns[0]].reg
            assert all(TOWNS[t].reg == region for t in org.towns), org.name
            source = f"of-{org.siret}" if org.publish else SOURCE_OF_REGION[region]
            for run in org.runs:
                key, over = (run, {}) if isinstance(run, str) else (run[0], dict(run[1]))
                n = seen_templates[key]
                seen_templates[key] += 1
                offer = self.offer(org, key, over, n)
                if org.publish:
                    ext = f"{T[key]['kind'].upper().replace('_', '-')}-{len(entries) % 97 + 1:02d}"
                else:
                    ext = self.ident(region + "_AF_{:07d}", 1_000, 9_999_999)
                entries.append({"source": source, "external_id": ext, "offer": offer})
        return {"reference_date": REFERENCE_DATE.isoformat(), "offers": entries}


def build() -> dict[str, Any]:
    """The whole demo catalogue, as written to demo_catalogue.json."""
    return Builder().build()


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


# --------------------------------------------------------------------------------------------
# Validation and counts
# --------------------------------------------------------------------------------------------

REGION_LABEL = {"11": "Île-de-France", "93": "PACA", "84": "Auvergne-Rhône-Alpes", "53": "Bretagne",
                "32": "Hauts-de-France", "76": "Occitanie"}


def validate(data: dict[str, Any]) -> None:
    """Every offer through `OfferIn` (the PUT body), identities unique."""
    root = Path(__file__).resolve().parent.parent
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from app.catalogue.schemas import OfferIn

    keys = set()
    for entry in data["offers"]:
        key = (entry["source"], entry["external_id"])
        assert key not in keys, key
        keys.add(key)
        OfferIn.model_validate(entry["offer"])


def counts(data: dict[str, Any]) -> dict[str, Any]:
    offers = [e["offer"] for e in data["offers"]]
    sessions = [s for o in offers for s in o["sessions"]]
    c: dict[str, Any] = {"offers": len(offers), "sessions": len(sessions)}

    def region_of(entry: dict[str, Any]) -> str:
        for s in entry["offer"]["sessions"]:
            if s["location"]:
                return REGION_LABEL[s["location"]["region"]]
        return REGION_LABEL[next(r for r, src in SOURCE_OF_REGION.items() if src == entry["source"])]

    c["per_region"] = dict(sorted(Counter(region_of(e) for e in data["offers"]).items()))
    c["per_departement"] = dict(sorted(Counter(
        s["location"]["departement"] for s in sessions if s["location"]).items()))
    c["per_source"] = dict(sorted(Counter(
        e["source"] if not e["source"].startswith("of-") else "of-<siret>" for e in data["offers"]).items()))
    c["per_kind"] = dict(sorted(Counter(o["kind"] for o in offers).items()))
    c["per_funder"] = dict(sorted(Counter(f for o in offers for f in o["funders"]).items()))
    c["per_sector"] = dict(sorted(Counter(x for o in offers for x in o["sectors"]).items()))
    levels: Counter[str] = Counter()
    for o in offers:
        for lvl in {o["entry_level"]["min"], o["entry_level"]["max"], o["target_level"]} - {None}:
            levels[lvl] += 1
    c["per_level"] = dict(sorted(levels.items()))
    c["per_modality"] = dict(sorted(Counter(o["modality"] for o in offers).items()))
    c["per_status"] = dict(sorted(Counter(s["status"] for s in sessions).items()))
    c["rolling_entry"] = sum(s["rolling_entry"] for s in sessions)
    c["fixed_entry"] = sum(not s["rolling_entry"] for s in sessions)
    c["full"] = sum(s["status"] == "full" or s["places_available"] == 0 and s["status"] != "closed"
                    for s in sessions)
    c["unknown"] = {
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
    c["childcare"] = sum(o["childcare"] is True for o in offers)
    c["restricted"] = dict(sorted(Counter(p for o in offers for p in o["publics"] if p != "all").items()))
    c["open_to_all"] = sum(not o["publics"] or o["publics"] == ["all"] for o in offers)
    c["paid"] = sum(bool(o["cost_to_learner"]) for o in offers)
    return c


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped file, write nothing")
    args = parser.parse_args(argv)
    data = build()
    validate(data)
    text = dumps(data)
    if args.check:
        same = OUT.exists() and OUT.read_text(encoding="utf-8") == text
        print("demo_catalogue.json is up to date" if same else "demo_catalogue.json differs: rerun build_demo.py")
        return 0 if same else 1
    OUT.write_text(text, encoding="utf-8")
    print(json.dumps(counts(data), ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
