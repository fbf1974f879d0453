"""A person's place in the randomised trial, as the console shows it: that they are in it and since
when to everyone who may open the person, and their arm only to those whose roles the trial does not
conceal it from.

The arm is withheld here, before any page is rendered: a user holding any role the draw's settings
name in ``concealed_from`` never receives it (a person with several roles is as blind as the most
blinded of them).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select

from pipelines.opstore.engine import Store, read_connection
from pipelines.opstore.read_tables import rm_allocation


@dataclass(frozen=True)
class TrialPlace:
    """One allocation of the person, as one user may see it."""

    trial: str
    allocated_on: date
    withdrawn_on: date | None
    arm: str | None  # None: concealed from this user's roles

    @property
    def concealed(self) -> bool:
        return self.arm is None


def trial_places(store: Store, person_id: int, roles: Iterable[str]) -> list[TrialPlace]:
    """The person's allocations (as allocated, or holding most of the records now), oldest first, each
    with its arm only when none of ``roles`` is among those its draw conceals the arm from."""
    a = rm_allocation.c
    query = (
        select(a.trial, a.allocated_on, a.withdrawn_on, a.arm, a.concealed_from)
        .where(or_(a.person_id == person_id, a.current_person_id == person_id))
        .order_by(a.allocated_on, a.allocation_id)
    )
    held = set(roles)
    with read_connection(store) as conn:
        found = conn.execute(query).all()
    return [
        TrialPlace(trial, allocated_on, withdrawn_on, None if held & set(json.loads(hidden)) else arm)
        for trial, allocated_on, withdrawn_on, arm, hidden in found
    ]
