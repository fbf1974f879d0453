"""Point-in-time features: pure Polars functions from events and an as_of date."""
