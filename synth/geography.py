"""Neighbourhoods, postcodes, local authorities and schools of the synthetic area."""

from __future__ import annotations

import numpy as np
import polars as pl

from data_contracts.reference import reference_table

RESIDENTS_PER_NEIGHBOURHOOD = 1_500
# Postcode areas of the West Midlands with their share of residents and district count.
AREAS = [("B", 0.56, 99), ("CV", 0.12, 47), ("WV", 0.09, 16), ("WS", 0.10, 15), ("DY", 0.13, 14)]
UNIT_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))
DECILE_WEIGHTS = np.array([0.18, 0.15, 0.13, 0.11, 0.10, 0.09, 0.08, 0.06, 0.05, 0.05])
# Postcode areas beyond the West Midlands that people leaving the area move to
AWAY_AREAS = np.array(["LE", "NN", "OX", "ST", "SY", "M", "LS", "BS"])


def local_authority(area: str, district: int) -> int:
    """DfE local-authority code of a postcode district (simplified West Midlands map)."""
    if area == "B":
        if 64 <= district <= 71:
            return 333  # Sandwell
        if 90 <= district <= 94:
            return 334  # Solihull
        return 330  # Birmingham
    return {"CV": 331, "DY": 332, "WS": 335, "WV": 336}[area]


def build_neighbourhoods(rng: np.random.Generator, residents: int) -> pl.DataFrame:
    """Neighbourhoods (about 1,500 residents each) with deprivation and policing intensity.

    Args:
        rng: random generator.
        residents: residents in the whole area.

    Returns:
        One row per neighbourhood: id, postcode district and sector, local authority,
        deprivation decile (1 = most deprived), minority share and policing intensity
        (population-weighted mean 1; used only when recording bias is on). The local
        authority and decile are the sector's in ``data_contracts/reference/postcode_sectors.csv``.
    """
    count = max(8, round(residents / RESIDENTS_PER_NEIGHBOURHOOD))
    shares = np.array([a[1] for a in AREAS])
    area_idx = np.sort(rng.choice(len(AREAS), size=count, p=shares / shares.sum()))
    districts, sectors = [], []
    for a, (area, _, max_district) in enumerate(AREAS):
        n = int((area_idx == a).sum())
        # about four neighbourhoods to a district, in districts drawn from all of the area's
        n_districts = max(1, min(max_district, -(-n // 4)))
        chosen = np.sort(rng.choice(np.arange(1, max_district + 1), size=n_districts, replace=False))
        district = np.sort(chosen[rng.integers(0, n_districts, size=n)])
        # a district's neighbourhoods take its sectors in turn from a random one, so they share
        # a sector only when a district holds more than ten
        first = rng.integers(0, 10, size=max_district + 1)[district]
        within = np.arange(n) - np.searchsorted(district, district)
        districts += [f"{area}{d}" for d in district]
        sectors += list((first + within) % 10)
    placed = pl.DataFrame(
        {"postcode_sector": [f"{d} {s}" for d, s in zip(districts, sectors, strict=True)]}
    ).join(reference_table("postcode_sectors"), on="postcode_sector", how="left", maintain_order="left")
    decile = placed["deprivation_decile"].to_numpy()
    deprivation = (10 - decile) / 9.0
    minority = 1 / (1 + np.exp(-(-0.9 + 2.2 * deprivation + rng.normal(0, 0.7, count))))
    intensity = np.exp(0.6 * (deprivation - 0.5) + 0.8 * (minority - 0.3) + rng.normal(0, 0.1, count))
    return pl.DataFrame(
        {
            "neighbourhood_id": np.arange(count, dtype=np.int32),
            "district": districts,
            "sector": np.array(sectors, dtype=np.int32),
            "la_code": placed["la_code"].cast(pl.Int32),
            "deprivation_decile": decile.astype(np.int8),
            "minority_share": minority,
            "policing_intensity": intensity / intensity.mean(),
        }
    )


def draw_postcodes(rng: np.random.Generator, nbhd: pl.DataFrame, ids: np.ndarray) -> np.ndarray:
    """A random unit postcode ("B15 2TT") inside each given neighbourhood."""
    district = nbhd["district"].to_numpy()[ids]
    sector = nbhd["sector"].to_numpy()[ids].astype(str)
    units = np.char.add(
        UNIT_LETTERS[rng.integers(0, 20, ids.size)], UNIT_LETTERS[rng.integers(0, 20, ids.size)]
    )
    return np.char.add(np.char.add(district.astype(str), " "), np.char.add(sector, units))


def draw_away_postcodes(rng: np.random.Generator, size: int) -> np.ndarray:
    """Random unit postcodes ("LE4 6AB") outside the area, where people who leave it move to."""
    area = AWAY_AREAS[rng.integers(0, AWAY_AREAS.size, size)]
    district = rng.integers(1, 21, size).astype(str)
    sector = rng.integers(0, 10, size).astype(str)
    units = np.char.add(UNIT_LETTERS[rng.integers(0, 20, size)], UNIT_LETTERS[rng.integers(0, 20, size)])
    return np.char.add(np.char.add(np.char.add(area, district), " "), np.char.add(sector, units))


def build_schools(
    rng: np.random.Generator, nbhd: pl.DataFrame
) -> tuple[pl.DataFrame, np.ndarray, np.ndarray]:
    """Primary schools (one per neighbourhood), secondaries (per district) and one pupil
    referral unit per local authority.

    Returns:
        (schools, primary_of_neighbourhood, secondary_of_neighbourhood); the schools
        frame has urn, la_code, establishment number and phase (primary, secondary, ap).
    """
    n = nbhd.height
    district = nbhd["district"].to_numpy()
    la = nbhd["la_code"].to_numpy()
    _, district_idx = np.unique(district, return_inverse=True)
    # about one secondary per six neighbourhoods, within the district
    within = np.zeros(n, dtype=np.int64)
    order = np.argsort(district_idx, kind="stable")
    starts = np.searchsorted(district_idx[order], district_idx[order], side="left")
    within[order] = np.arange(n) - starts
    sec_key = district_idx * 1000 + within // 6
    sec_keys, secondary_of = np.unique(sec_key, return_inverse=True)
    sec_la = np.zeros(sec_keys.size, dtype=np.int64)
    sec_la[secondary_of] = la
    aps = np.unique(la)
    phase = ["primary"] * n + ["secondary"] * sec_keys.size + ["ap"] * aps.size
    school_la = np.concatenate([la, sec_la, aps])
    total = len(phase)
    urns = rng.choice(np.arange(100_000, 150_000), size=total, replace=False)
    estab = np.concatenate(
        [
            2000 + np.arange(n) % 1000,
            4000 + np.arange(sec_keys.size) % 1000,
            1100 + np.arange(aps.size),
        ]
    )
    schools = pl.DataFrame(
        {
            "school_id": np.arange(total, dtype=np.int32),
            "urn": urns.astype(np.int32),
            "la_code": school_la.astype(np.int32),
            "establishment": estab.astype(np.int32),
            "phase": phase,
        }
    )
    return schools, np.arange(n), n + secondary_of
