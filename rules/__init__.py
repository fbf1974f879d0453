"""Eligibility and exclusion rules: reviewed YAML declarations and the engine that applies them."""
