"""Code lists the generator draws from, with the mixes it draws them in.

Offence mixes follow the suggested suspect mix in the calibration notes (8N .28,
105A .22, ...); exclusion reasons follow DfE statistics (persistent disruption 48%).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from data_contracts.reference import reference_table

OFFENCE_MIX: dict[int, dict[str, float]] = {
    0: {"8N": 0.40, "5D": 0.15, "34B": 0.36, "3B": 0.05, "2": 0.02, "34A": 0.02},  # with a knife
    1: {
        "8N": 0.62,
        "34B": 0.13,
        "5D": 0.04,
        "3B": 0.05,
        "19C": 0.05,
        "19D": 0.01,
        "8P": 0.02,
        "8S": 0.02,
        "34A": 0.02,
        "5E": 0.02,
        "19F": 0.02,
    },
    2: {"10D": 0.65, "10C": 0.20, "90": 0.10, "10B": 0.05},
    3: {
        "105A": 0.55,
        "8L": 0.15,
        "8Q": 0.05,
        "8R": 0.08,
        "20A": 0.08,
        "17A": 0.02,
        "105B": 0.03,
        "104": 0.04,
    },
    4: {
        "92D": 0.12,
        "92E": 0.20,
        "92A": 0.06,
        "46": 0.22,
        "28E": 0.07,
        "30C": 0.03,
        "58C": 0.12,
        "56B": 0.02,
        "62A": 0.04,
        "9A": 0.12,
    },
}
KNIFE_CODES = ("10D", "90")
SUSPENSION_REASONS = {
    "PD": 0.45,
    "PP": 0.14,
    "VA": 0.12,
    "VP": 0.08,
    "PA": 0.05,
    "DA": 0.03,
    "OW": 0.01,
    "BU": 0.03,
    "DM": 0.02,
    "TH": 0.02,
    "RA": 0.01,
    "SM": 0.01,
    "OT": 0.03,
}
EXCLUSION_REASONS = {
    "PD": 0.36,
    "PP": 0.18,
    "PA": 0.10,
    "VA": 0.10,
    "VP": 0.06,
    "DA": 0.08,
    "OW": 0.06,
    "BU": 0.02,
    "SM": 0.02,
    "OT": 0.02,
}
INJURY_MECHANISMS = {"BODY": 0.55, "BLUNT": 0.25, "OTHER": 0.12, "UNKNOWN": 0.06, "FIREARM": 0.02}
REFERRAL_SOURCES = {
    "SCHOOL": 0.30,
    "PARENT": 0.15,
    "YOUTH_WORKER": 0.25,
    "SOCIAL_CARE": 0.15,
    "POLICE": 0.15,
}


def draw(rng: np.random.Generator, mix: dict[str, float], size: int) -> np.ndarray:
    """Draw `size` codes from a mix (weights need not sum to one)."""
    codes = np.array(list(mix))
    weights = np.array(list(mix.values()))
    return codes[rng.choice(codes.size, size=size, p=weights / weights.sum())]


def offence_codes() -> pl.DataFrame:
    """The project's offence-code reference table (codes, subgroup, flags, CCHI days)."""
    return reference_table("offence_codes")
