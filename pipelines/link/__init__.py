"""The linkage stage: link source records into people in the warehouse, and the review of uncertain pairs."""
