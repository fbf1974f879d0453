"""The monitoring stage: what the model predicted for everyone scored, against outcomes as they mature."""
