"""The prescription state machine (CONTRACT § Prescriptions), declared once.

Every change of status — a PATCH, an entry from the Kairos feed, the expiry job — goes through
`check_transition`, then `service.transition`, which applies it with a compare-and-set on the old
status and writes the log. Nothing else changes `prescription.status`.
"""

from __future__ import annotations

from enum import StrEnum

from app.reference.base import RefEnum
from app.reference.roles import Role


class Status(RefEnum):
    PENDING = ("pending", "En attente", "Prescrite : l'organisme n'a pas encore répondu.")
    ACCEPTED = ("accepted", "Acceptée", "L'organisme a accepté la personne.")
    REFUSED = ("refused", "Refusée", "L'organisme a refusé la prescription (motif donné).")
    CANCELLED = ("cancelled", "Annulée", "Le conseiller a annulé la prescription.")
    ENTERED = ("entered", "Entrée en formation", "La personne est entrée en formation.")
    EXPIRED = ("expired", "Expirée", "Sans réponse de l'organisme dans le délai (PRESCRIPTION_TTL_DAYS).")


class Actor(StrEnum):
    """Who may cause a transition. Keys act with their role; two actors are not people."""

    ADVISER = "adviser"
    PROVIDER = "provider"
    ADMIN = "admin"
    ENTRY = "entry"  # an entry received on POST /v1/entries (provider, sync of the source, admin)
    SYSTEM = "system"  # the expiry job


# Statuses that hold the person's place on the session (and count for the duplicate check).
ACTIVE: frozenset[Status] = frozenset({Status.PENDING, Status.ACCEPTED})
# Statuses nothing leaves.
FINAL: frozenset[Status] = frozenset({Status.REFUSED, Status.CANCELLED, Status.ENTERED, Status.EXPIRED})
# Reaching one of these from an active status gives the held place back.
RELEASING: frozenset[Status] = frozenset({Status.REFUSED, Status.CANCELLED, Status.EXPIRED})

# (from, to) → who may do it. An administrator may do what a person may do (not the expiry).
TRANSITIONS: dict[tuple[Status, Status], frozenset[Actor]] = {
    (Status.PENDING, Status.ACCEPTED): frozenset({Actor.PROVIDER, Actor.ADMIN}),
    (Status.PENDING, Status.REFUSED): frozenset({Actor.PROVIDER, Actor.ADMIN}),
    (Status.PENDING, Status.CANCELLED): frozenset({Actor.ADVISER, Actor.ADMIN}),
    (Status.ACCEPTED, Status.CANCELLED): frozenset({Actor.ADVISER, Actor.ADMIN}),
    (Status.PENDING, Status.ENTERED): frozenset({Actor.PROVIDER, Actor.ADMIN, Actor.ENTRY}),
    (Status.ACCEPTED, Status.ENTERED): frozenset({Actor.PROVIDER, Actor.ADMIN, Actor.ENTRY}),
    (Status.PENDING, Status.EXPIRED): frozenset({Actor.SYSTEM}),
}

_ROLE_ACTOR = {Role.ADVISER: Actor.ADVISER, Role.PROVIDER: Actor.PROVIDER, Role.ADMIN: Actor.ADMIN}

_VERBS = {
    Status.ACCEPTED: "accepter", Status.REFUSED: "refuser", Status.CANCELLED: "annuler",
    Status.ENTERED: "déclarer l'entrée en formation de", Status.EXPIRED: "faire expirer",
    Status.PENDING: "remettre en attente",
}
_WHO = {Actor.ADVISER: "le conseiller", Actor.PROVIDER: "l'organisme de formation", Actor.ADMIN: "un administrateur",
        Actor.ENTRY: "une entrée en formation", Actor.SYSTEM: "l'expiration automatique"}


def actor_for(role: Role) -> Actor | None:
    """The actor a key of this role acts as on PATCH (None: this role never changes a status)."""
    return _ROLE_ACTOR.get(role)


def releases_place(old: Status, new: Status) -> bool:
    return old in ACTIVE and new in RELEASING


class TransitionRefused(Exception):
    """Not allowed: the French message says why (the API answers 409)."""


def check_transition(old: Status, new: Status, actor: Actor) -> None:
    """Raise TransitionRefused unless `actor` may move a prescription from `old` to `new`."""
    allowed = TRANSITIONS.get((old, new))
    if allowed is None:
        if old in FINAL:
            raise TransitionRefused(f"La prescription est « {old.label} » : son statut ne peut plus changer.")
        raise TransitionRefused(f"Passage de « {old.label} » à « {new.label} » impossible.")
    if actor not in allowed:
        who = " ou ".join(sorted(_WHO[a] for a in allowed))
        raise TransitionRefused(f"Seul(e) {who} peut {_VERBS[new]} une prescription « {old.label} ».")


def table() -> list[dict[str, str | list[str] | bool]]:
    """The transitions as rows (docs, tests)."""
    return [{"from": a.value, "to": b.value, "actors": sorted(x.value for x in actors),
             "releases_place": releases_place(a, b)} for (a, b), actors in TRANSITIONS.items()]
