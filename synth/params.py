"""Parameters of a synthetic world: its size, seed, dates, noise and hazard coefficients."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

DEFAULT_END_DATE = date(2026, 11, 16)


@dataclass(frozen=True)
class Hazards:
    """Monthly hazard coefficients of the life-history model.

    Rates are per person-month before multipliers; `*_hr` are hazard ratios and
    `beta_*` are log-hazard coefficients on latent traits. Values were tuned so the
    generated rates match `data_contracts/reference` calibration targets (see the
    calibration report each world writes).
    """

    # offending as suspect: total rate and its drivers
    offend_base: float = 0.00057
    offend_beta_z: float = 0.9
    offend_male_hr: float = 4.0
    offend_dep_hr: float = 1.8  # most deprived decile against least
    offend_prior_violence_hr: float = 1.4  # per unit of decayed serious-violence count
    offend_prior_any_hr: float = 1.1
    offend_victim_hr: float = 1.5
    offend_suspended_hr: float = 1.5
    offend_excluded_hr: float = 2.0
    offend_absence_hr: float = 1.4
    offend_neet_hr: float = 1.4
    offend_substance_hr: float = 1.8
    offend_looked_after_hr: float = 2.0
    offend_group_hr: float = 2.0
    heat_exponent: float = 0.3  # group heat multiplier = (1 + heat) ** exponent
    # victimisation
    victim_base: float = 0.0022
    victim_beta_z: float = 0.75
    victim_male_hr: float = 1.6
    victim_dep_hr: float = 1.6
    victim_offender_hr: float = 1.8
    victim_repeat_hr: float = 1.5
    victim_group_hr: float = 2.0
    # stop and search
    stop_search_base: float = 0.0005
    weapon_found_carrier: float = 0.35
    weapon_found_other: float = 0.01
    # co-offending inside groups
    co_offend_share: float = 0.35
    co_offender_identified: float = 0.7
    adult_co_offender_share: float = 0.05
    # education
    attendance_logit_base: float = 3.55
    suspension_base: float = 0.0025
    exclusion_base: float = 3.1e-05
    # NEET (academic age 16-24)
    neet_entry_base: float = 0.012
    neet_exit: float = 0.16
    # custody after an arrest for serious violence or a weapon
    custody_share: float = 0.12
    custody_mean_months: float = 5.0
    # deaths and moves out of the area (per year)
    death_per_year: float = 0.0004
    homicide_share_of_serious_victimisation: float = 0.004
    move_out_per_year_child: float = 0.015
    move_out_per_year_adult: float = 0.04
    household_move_per_year: float = 0.10
    mover_contact_share: float = 0.3  # movers seen once more, at the area's emergency department
    # health and partner observations
    mental_health_base: float = 0.0009
    substance_referral_base: float = 0.0012
    partner_referral_base: float = 0.00035


@dataclass(frozen=True)
class WorldParams:
    """Everything that determines a world: the same params give byte-identical files."""

    residents: int = 50_000
    seed: int = 42
    end_date: date = DEFAULT_END_DATE
    history_years: int = 7
    noise: float = 1.0  # multiplier on every identity-noise rate
    invalid_share: float = 0.005  # share of extract rows planted as invalid
    recording_bias: bool = False
    oracle_replicates: int = 100
    oracle_sample: int = 10_000
    increment_weeks: int = 12
    future_weeks: int = 0  # weeks simulated after end_date, withheld in future/ until advanced
    hazards: Hazards = field(default_factory=Hazards)

    def __post_init__(self) -> None:
        if self.residents < 1_000:
            raise ValueError(f"residents must be at least 1,000 (got {self.residents})")
        if self.history_years < 6:
            raise ValueError(f"history_years must be at least 6 (got {self.history_years})")
        if not 0 <= self.invalid_share < 0.5:
            raise ValueError(f"invalid_share must be in [0, 0.5) (got {self.invalid_share})")
        if self.noise < 0:
            raise ValueError(f"noise must be non-negative (got {self.noise})")
        if self.oracle_replicates < 1:
            raise ValueError("oracle_replicates must be at least 1")
        if not 0 <= self.future_weeks <= 520:
            raise ValueError(f"future_weeks must be between 0 and 520 (got {self.future_weeks})")
