"""Why a training organisation refuses a prescription."""

from __future__ import annotations

from app.reference.base import RefEnum


class RefusalReason(RefEnum):
    LEVEL = ("niveau_inadapte", "Niveau inadapté", "Le niveau de français ne correspond pas à l'entrée de la formation.")
    FULL = ("session_complete", "Session complète", "Plus de place sur la session.")
    SCHEDULE = ("horaires", "Horaires incompatibles", "La personne n'est pas disponible aux horaires de la formation.")
    UNREACHABLE = ("injoignable", "Personne injoignable", "La personne n'a pas pu être contactée.")
    NO_SHOW = ("absent_information", "Absent à l'information collective", "La personne ne s'est pas présentée.")
    PUBLIC = ("public_non_eligible", "Public non éligible", "La personne ne fait pas partie du public de l'action.")
    PREREQUISITE = ("prerequis", "Prérequis non remplis", "Un prérequis de la formation n'est pas rempli (scolarité, projet…).")
    WITHDRAWN = ("desistement", "Désistement", "La personne a renoncé.")
    OTHER = ("autre", "Autre motif", "Préciser dans le motif libre.")
