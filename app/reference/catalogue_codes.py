"""Small closed code lists of the catalogue: kinds of course, modality, status, days, precision."""

from __future__ import annotations

from app.reference.base import RefEnum


class Kind(RefEnum):
    ALPHA = ("alpha", "Alphabétisation", "Pour les personnes jamais ou peu scolarisées : apprendre à lire et écrire en français.")
    FLE_GENERAL = ("fle_general", "FLE généraliste", "Français langue étrangère pour la vie quotidienne.")
    FLE_PRO = ("fle_pro", "FLE à visée professionnelle", "Français pour l'emploi, souvent lié à un secteur ou un métier.")
    CIR = ("cir", "Formation linguistique du CIR (OFII)", "Parcours de formation linguistique prescrit par l'OFII dans le cadre du contrat d'intégration républicaine.")
    ASL = ("asl", "Atelier sociolinguistique", "Ateliers pour l'autonomie dans la vie sociale (santé, école, administrations).")
    CERTIFICATION = ("certification", "Préparation à une certification", "Préparation au DELF, TCF, TEF ou DCL.")


class Modality(RefEnum):
    IN_PERSON = ("in_person", "Présentiel", "Sur place.")
    REMOTE = ("remote", "À distance", "Entièrement à distance (FOAD).")
    HYBRID = ("hybrid", "Mixte", "En partie sur place, en partie à distance.")


class SessionStatus(RefEnum):
    OPEN = ("open", "Ouverte", "Recrutement en cours.")
    FULL = ("full", "Complète", "Plus de place pour le moment.")
    SUSPENDED = ("suspended", "Recrutement suspendu", "Le recrutement est suspendu.")
    CLOSED = ("closed", "Terminée", "Session terminée ou périmée.")
    CANCELLED = ("cancelled", "Annulée", "Session annulée ou retirée par sa source.")


class Day(RefEnum):
    MON = ("mon", "lundi")
    TUE = ("tue", "mardi")
    WED = ("wed", "mercredi")
    THU = ("thu", "jeudi")
    FRI = ("fri", "vendredi")
    SAT = ("sat", "samedi")
    SUN = ("sun", "dimanche")


DAYS: list[Day] = list(Day)


class DatePrecision(RefEnum):
    DAY = ("day", "Jour", "Date connue au jour près.")
    MONTH = ("month", "Mois", "Seul le mois est connu : un début au 1er, une fin au dernier jour du mois.")
    YEAR = ("year", "Année", "Seule l'année est connue.")


class Transport(RefEnum):
    PUBLIC_TRANSPORT = ("public_transport", "Transports en commun", "")
    CAR = ("car", "Voiture", "")
    BIKE = ("bike", "Vélo", "")
    WALK = ("walk", "À pied", "")
