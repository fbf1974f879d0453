"""Risk model: training, calibration, evaluation, scoring and explanations."""
