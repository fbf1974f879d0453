"""The synthetic-world stage: writes a world that `synth` builds into its folder."""
