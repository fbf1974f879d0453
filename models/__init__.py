"""Risk model: training on historical snapshots, calibration, evaluation, scoring and explanations."""
