"""The synthetic world a benchmark runs on: generated once into its folder if it is not there yet."""

from __future__ import annotations

from pathlib import Path

from pipelines.world.write import generate_world
from synth.params import WorldParams


def ensure_world(folder: Path, residents: int, noise: float = 1.0) -> Path:
    """The world's landing folder, generating the world first if it is missing."""
    landing = folder / "landing"
    if not landing.is_dir():
        print(f"generating a {residents:,}-resident world in {folder} ...", flush=True)
        generate_world(WorldParams(residents=residents, noise=noise), folder, lambda d, t: lambda n: None)
    return landing
