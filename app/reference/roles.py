"""Who calls the API: the roles a key (or, later, a signed-in person) holds."""

from __future__ import annotations

from app.reference.base import RefEnum


class Role(RefEnum):
    ADVISER = ("adviser", "Conseiller", "France Travail, mission locale, OFII : recherche, match, prescription.")
    SYNC = ("sync", "Synchronisation CARIF", "Pousse les flux LHÉO d'une source.")
    PROVIDER = ("provider", "Organisme de formation", "Publie ses offres, places, réponses et entrées.")
    ADMIN = ("admin", "Administrateur", "Gère les clés et les tables de référence ; voit tout.")
