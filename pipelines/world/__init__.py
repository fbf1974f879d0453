"""The synthetic-world stage: writes a world into its folder, and advances a world that has a future."""
