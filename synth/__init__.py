"""The synthetic multi-agency world: people, life histories, agency extracts and ground truth."""
