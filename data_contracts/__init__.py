"""Data contracts for each agency extract, and the reference tables they check against."""
