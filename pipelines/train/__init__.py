"""The training stage: build snapshots from the warehouse, train and evaluate a model, register it."""
