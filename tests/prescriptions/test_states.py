"""The state machine is exactly CONTRACT's (§ Prescriptions)."""

from __future__ import annotations

import pytest

from app.prescriptions.states import (
    RELEASING,
    TRANSITIONS,
    Actor,
    Status,
    TransitionRefused,
    check_transition,
    releases_place,
    table,
)

P, A, R, C, E, X = (Status.PENDING, Status.ACCEPTED, Status.REFUSED, Status.CANCELLED, Status.ENTERED,
                    Status.EXPIRED)

# CONTRACT: pending→accepted|refused (provider), pending/accepted→cancelled (adviser),
# pending/accepted→entered (provider, or an entry), pending→expired (automatic). An admin may do
# what a person may do.
EXPECTED = {
    (P, A): {"provider", "admin"},
    (P, R): {"provider", "admin"},
    (P, C): {"adviser", "admin"},
    (A, C): {"adviser", "admin"},
    (P, E): {"provider", "admin", "entry"},
    (A, E): {"provider", "admin", "entry"},
    (P, X): {"system"},
}


def test_transitions_are_the_contracts():
    assert {k: {a.value for a in v} for k, v in TRANSITIONS.items()} == EXPECTED


def test_releasing_transitions():
    assert {R, C, X} == RELEASING
    released = {(a, b) for (a, b) in TRANSITIONS if releases_place(a, b)}
    assert released == {(P, R), (P, C), (A, C), (P, X)}
    assert not releases_place(P, E) and not releases_place(A, E) and not releases_place(P, A)


@pytest.mark.parametrize("old", list(Status))
@pytest.mark.parametrize("new", list(Status))
@pytest.mark.parametrize("actor", list(Actor))
def test_check_transition(old, new, actor):
    if actor.value in EXPECTED.get((old, new), set()):
        check_transition(old, new, actor)
    else:
        with pytest.raises(TransitionRefused) as exc:
            check_transition(old, new, actor)
        assert str(exc.value)  # a French sentence for the 409


def test_table_for_docs():
    rows = table()
    assert len(rows) == len(EXPECTED)
    assert {"from": "pending", "to": "expired", "actors": ["system"], "releases_place": True} in rows
