"""The weekly consideration list: who is put forward, why, and what changed since last week."""
