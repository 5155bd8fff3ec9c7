"""CEFR levels (CECRL), in CONTRACT order, and literacy."""

from __future__ import annotations

from app.reference.base import RefEnum


class Level(RefEnum):
    A0 = ("A0", "A0 — aucune connaissance du français", "Ne parle pas encore français.")
    A1_1 = ("A1.1", "A1.1 — découverte (DILF)", "Premiers mots et phrases très simples à l'oral.")
    A1 = ("A1", "A1 — introductif", "Comprend et utilise des expressions familières et quotidiennes.")
    A2 = ("A2", "A2 — intermédiaire", "Communique lors de tâches simples et habituelles. Requis pour la carte pluriannuelle.")
    B1 = ("B1", "B1 — seuil", "Se débrouille dans la plupart des situations. Requis pour la carte de résident.")
    B2 = ("B2", "B2 — avancé", "Comprend l'essentiel d'un texte complexe. Requis pour la naturalisation.")
    C1 = ("C1", "C1 — autonome", "S'exprime spontanément et couramment.")
    C2 = ("C2", "C2 — maîtrise", "Comprend sans effort pratiquement tout.")

    @property
    def rank(self) -> int:
        return LEVEL_ORDER[self]

    def next(self) -> Level:
        """The next level up (C2 stays C2)."""
        return LEVELS[min(self.rank + 1, len(LEVELS) - 1)]


LEVELS: list[Level] = list(Level)
LEVEL_ORDER: dict[Level, int] = {lvl: i for i, lvl in enumerate(LEVELS)}


class Literacy(RefEnum):
    NONE = ("none", "Non scolarisé (alphabétisation)", "Jamais ou très peu scolarisé : relève de l'alphabétisation.")
    PARTIAL = ("partial", "Peu scolarisé (post-alphabétisation)", "Lit et écrit avec difficulté : post-alphabétisation.")
    FULL = ("full", "Scolarisé (FLE)", "Scolarisé dans une langue : relève du FLE.")


class PermitGoal(RefEnum):
    CSP = ("csp", "Carte de séjour pluriannuelle", "Niveau A2 exigé.", {"target_level": "A2"})
    RESIDENT = ("resident", "Carte de résident", "Niveau B1 exigé.", {"target_level": "B1"})
    NATURALISATION = ("naturalisation", "Naturalisation", "Niveau B2 exigé.", {"target_level": "B2"})

    @property
    def target_level(self) -> Level:
        return Level(self.extra["target_level"])
