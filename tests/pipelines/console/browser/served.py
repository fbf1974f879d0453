"""The console for a test server in its own process (``uvicorn --factory``), set up by the environment:
``$COHORT_OPS_URL`` (the store) and ``$COHORT_TEST_CLOCK`` (when its clock starts; a second a reading).

The handles' secret is the tests' fixed one, so links made before a restart still open after it.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from fastapi import FastAPI

from pipelines.clock import fixed_clock
from pipelines.opstore.engine import URL_VARIABLE, open_store
from tests.pipelines.console.web_client import make_app

CLOCK_VARIABLE = "COHORT_TEST_CLOCK"
FACTORY = "tests.pipelines.console.browser.served:console_app"
"""What ``live_server_process`` serves."""


def console_app() -> FastAPI:
    """The console over $COHORT_OPS_URL on a clock starting at $COHORT_TEST_CLOCK."""
    start = datetime.fromisoformat(os.environ[CLOCK_VARIABLE])
    return make_app(open_store(os.environ[URL_VARIABLE]), clock=fixed_clock(start, step=timedelta(seconds=1)))
