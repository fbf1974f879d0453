"""``python -m pipelines.cli``: the ``cohort`` command."""

from pipelines.cli.main import app

app()
