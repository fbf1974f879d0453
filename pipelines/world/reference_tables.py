"""Write the reference tables the synthetic world makes (``python -m pipelines.world.reference_tables``).

``data_contracts/reference/postcode_sectors.csv`` is made once, deterministically, by
:func:`synth.postcode_sectors.postcode_sectors`, and committed; the tests check it is unchanged.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from synth.postcode_sectors import postcode_sectors

TABLE = Path(str(resources.files("data_contracts").joinpath("reference", "postcode_sectors.csv")))
"""The data_contracts package's own copy (a folder on disk: this script writes it)."""


def write_postcode_sectors(path: Path = TABLE) -> None:
    """Write the table as committed."""
    postcode_sectors().write_csv(path, line_terminator="\n")


if __name__ == "__main__":
    write_postcode_sectors()
