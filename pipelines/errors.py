"""The `cohort` exit codes, in one place, and the errors the command line turns into them.

====  ===========================================================================================
0     done
1     a quality gate or check failed, or the command was refused on what it found (it says why)
2     bad input or usage: an option, argument or input file to correct (typer's own code too)
3     the warehouse is missing, held by another process, or unusable (not a warehouse, migrations)
4     configuration to fix: the pseudonymisation key, $COHORT_NOW
====  ===========================================================================================
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_WAREHOUSE = 3
EXIT_CONFIGURATION = 4


class ConfigurationError(ValueError):
    """A setting the operator must fix before anything can run (the message names it and says how)."""
