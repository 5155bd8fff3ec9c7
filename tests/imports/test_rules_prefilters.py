"""`Needs` (app.imports.lheo.rules): a rule's prefilter words must appear in every match of its pattern, else the
prefilter would hide a match. Checked on every text of the fixture feeds and every phrase of the rule
tests, each pattern matching at least once."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

from lxml import etree

from app.imports.lheo import rules as lheo_rules
from app.imports.lheo.rules.text import Needs, fold

TESTS = Path(__file__).resolve().parent
FIX = TESTS.parent / "fixtures" / "lheo"
EXTRA = [  # one phrase per alternative the corpus might not cover
    "infra a1", "grand debutant", "vrais debutants", "debutant complet", "debutants", "faux-debutant",
    "aucune connaissance du francais", "niveau a0", "ne parle pas du tout le francais", "a2 maximum",
    "jusqu'au niveau b1", "inferieur a b1", "n'ayant pas atteint le niveau a2", "a1 acquis", "a partir de a2",
    "niveau b1", "non-lecteur", "ne sachant ni lire ni ecrire", "jamais scolarises", "analphabete", "alpha",
    "peu scolarise", "post-alpha", "scolarisation courte", "scolarise dans son pays", "lecteur-scripteur",
    "ayant ete scolarises", "maitrisant l'ecrit dans sa langue", "pas de garde d'enfants", "halte-garderie",
    "creche", "mode de garde", "espace petite enfance", "reserve aux refugies", "uniquement pour les femmes",
    "exclusivement", "seulement", "strictement", "limitee aux", "ouvert uniquement", "de a1 a a2", "a1-a2",
    "a1 vers b1", "contrat d'integration republicaine", "ofii", "Cours CIR", "pre-alpha", "atelier sociolinguistique",
    "ASL du quartier", "delf a2", "tcf irn",
]


def corpus() -> list[str]:
    texts = set(EXTRA)
    for path in FIX.glob("*.xml"):
        try:
            tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True, recover=True))
        except etree.XMLSyntaxError:
            continue
        if tree.getroot() is None:
            continue
        texts.update(fold(t) for t in tree.getroot().itertext() if t and t.strip())
    for node in ast.walk(ast.parse((TESTS / "test_rules.py").read_text())):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            texts.add(fold(node.value))
    return sorted(texts)


def test_prefilter_words_occur_in_every_match():
    texts = corpus()
    patterns = {f"{family.name}.{name}": obj
                for family in pkgutil.iter_modules(lheo_rules.__path__)
                for name, obj in vars(importlib.import_module(f"{lheo_rules.__name__}.{family.name}")).items()
                if isinstance(obj, Needs)}
    assert len(patterns) >= 12
    for name, needs in patterns.items():
        matches = [m.group(0) for t in texts for m in needs.rx.finditer(t)]
        assert matches, f"{name}: no text of the corpus matches; add one to EXTRA"
        for m in matches:
            assert any(w in m for w in needs.words), f"{name}: match {m!r} contains none of {needs.words}"
        for t in texts:  # and so the prefiltered search finds what the bare pattern finds
            assert bool(needs.search(t)) == bool(needs.rx.search(t)), (name, t)
