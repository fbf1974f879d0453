"""`cohort trial`: randomised allocation to the programme, withdrawals, and the evaluation of outcomes.

The commands live beside this file, one module per concern: allocation and withdrawal in
`trial_allocation.py`, evaluation, power and the CONSORT flow in `trial_evaluation.py`. Each adds its
commands to `trial_app`; importing them here registers them.
"""

from __future__ import annotations

import typer

trial_app = typer.Typer(
    help="Randomise the people the panel found suitable, record withdrawals, and evaluate outcomes.",
    no_args_is_help=True,
)

from pipelines.cli.trial_allocation import allocation_app  # noqa: E402

trial_app.registered_commands += allocation_app.registered_commands  # allocate, withdraw, verify, ...

from pipelines.cli.trial_evaluation import evaluation_app  # noqa: E402

trial_app.registered_commands += evaluation_app.registered_commands  # evaluate, power, consort
