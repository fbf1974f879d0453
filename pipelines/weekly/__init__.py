"""The weekly stage: draw the list, publish it, and take the decisions analysts record on it."""
