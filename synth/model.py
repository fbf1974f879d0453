"""Rows being simulated, their mutable state, and the event codes the simulator emits."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from enum import IntEnum

import numpy as np


class Kind(IntEnum):
    """What happened. Offences and victimisations carry a `Category`."""

    OFFENCE = 0
    VICTIMISATION = 1
    STOP_SEARCH = 2
    ARREST = 3
    CUSTODY = 4
    SUSPENSION = 5
    PERMANENT_EXCLUSION = 6
    NEET_START = 7
    NEET_END = 8
    DEATH = 9
    MOVE_OUT = 10
    ED_ATTENDANCE = 11
    MENTAL_HEALTH_REFERRAL = 12
    SUBSTANCE_REFERRAL = 13
    PARTNER_REFERRAL = 14
    INTELLIGENCE = 15


class Category(IntEnum):
    """Offence and victimisation categories; the first three count towards the outcome."""

    SERIOUS_KNIFE = 0  # serious violence with a knife or sharp instrument
    SERIOUS = 1  # serious violence without a knife marker
    WEAPON = 2  # possession of a knife or offensive weapon
    OTHER_VIOLENCE = 3
    OTHER = 4  # drugs, theft, damage, public order


SERIOUS = np.array([True, True, True, False, False])
OFFENCE_RECORDED = np.array([0.60, 0.50, 0.90, 0.35, 0.45])
VICTIM_RECORDED = np.array([0.65, 0.50, 0.0, 0.30, 0.0])
ARREST_SHARE = np.array([0.75, 0.60, 0.90, 0.45, 0.50])
ED_SHARE = np.array([0.45, 0.095, 0.0, 0.02, 0.0])


@dataclass
class Cohort:
    """Static facts about each simulated row (a person, or a person in one replicate)."""

    person: np.ndarray  # true_person_id
    dob: np.ndarray  # day number
    male: np.ndarray
    z: np.ndarray
    deprivation: np.ndarray
    knife_carrier: np.ndarray
    substance_misuse: np.ndarray
    mental_health_need: np.ndarray
    sen: np.ndarray
    looked_after: np.ndarray
    attendance_effect: np.ndarray
    group: np.ndarray  # -1 when never in a group; offset by replicate in re-simulation
    group_join: np.ndarray
    group_leave: np.ndarray
    intensity: np.ndarray  # policing intensity of home neighbourhood (1 when bias is off)
    n_groups: int
    rivalries: np.ndarray

    def take(self, rows: np.ndarray) -> Cohort:
        """The cohort restricted to `rows` (group ids unchanged)."""
        arrays = {
            f.name: getattr(self, f.name)[rows]
            for f in fields(self)
            if f.name not in ("n_groups", "rivalries")
        }
        return replace(self, **arrays)


@dataclass
class State:
    """What the simulator remembers about each row between steps."""

    present: np.ndarray  # alive and living in the area
    custody_until: np.ndarray  # first step index out of custody (0 when never held)
    serious: np.ndarray  # decayed count of serious-violence offences as suspect
    any_offence: np.ndarray
    victim: np.ndarray  # decayed count of serious victimisations
    suspended: np.ndarray  # decayed count of suspensions
    excluded: np.ndarray  # ever permanently excluded
    absence: np.ndarray  # moving average of the monthly absence rate
    neet: np.ndarray
    heat: np.ndarray  # per group: decayed serious violence in and against the group

    @classmethod
    def initial(cls, rows: int, n_groups: int) -> State:
        zeros = np.zeros(rows, dtype=np.float32)
        return cls(
            present=np.ones(rows, dtype=bool),
            custody_until=np.zeros(rows, dtype=np.int32),
            serious=zeros.copy(),
            any_offence=zeros.copy(),
            victim=zeros.copy(),
            suspended=zeros.copy(),
            excluded=np.zeros(rows, dtype=bool),
            absence=zeros.copy(),
            neet=np.zeros(rows, dtype=bool),
            heat=np.zeros(n_groups, dtype=np.float32),
        )

    def take(self, rows: np.ndarray) -> State:
        arrays = {f.name: getattr(self, f.name)[rows].copy() for f in fields(self) if f.name != "heat"}
        return State(**arrays, heat=self.heat.copy())

    def tile(self, replicates: int) -> State:
        """Stack `replicates` copies (rows and groups) for re-simulation."""
        arrays = {f.name: np.tile(getattr(self, f.name), replicates) for f in fields(self)}
        return State(**arrays)


@dataclass
class Events:
    """Events from one step, one entry per event, as parallel arrays."""

    row: np.ndarray
    kind: np.ndarray
    category: np.ndarray
    recorded: np.ndarray
    crime: np.ndarray  # shared by co-offenders of one crime; -1 when not an offence
    value: np.ndarray  # kind-specific: custody months, sessions, school, group ...

    @classmethod
    def of(
        cls,
        row: np.ndarray,
        kind: Kind,
        category: np.ndarray | int = -1,
        recorded: np.ndarray | bool = True,
        crime: np.ndarray | int = -1,
        value: np.ndarray | int = 0,
    ) -> Events:
        n = row.size
        return cls(
            row=row.astype(np.int64),
            kind=np.full(n, int(kind), dtype=np.int8),
            category=np.broadcast_to(np.asarray(category, dtype=np.int8), (n,)).copy(),
            recorded=np.broadcast_to(np.asarray(recorded, dtype=bool), (n,)).copy(),
            crime=np.broadcast_to(np.asarray(crime, dtype=np.int64), (n,)).copy(),
            value=np.broadcast_to(np.asarray(value, dtype=np.int64), (n,)).copy(),
        )

    @classmethod
    def concat(cls, parts: list[Events]) -> Events:
        return cls(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)))
