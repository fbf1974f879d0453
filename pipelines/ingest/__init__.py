"""The ingest stage: check landed extracts them against their contracts, load raw, staging and quarantine."""
