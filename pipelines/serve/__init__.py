"""Serving: the local Prefect server and the deployments in prefect.yaml."""
