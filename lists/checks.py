"""What a weekly list says about the data it was drawn from: failed ingest gates, stale sources, an
override of them, and the listed people whose identity matches still await clerical review.

Pure data. The weekly run (pipelines/weekly/checks.py) reads the warehouse into :class:`RunChecks`,
pins it in ``lists.run`` parameters, and every published output shows it, so a list drawn from
doubtful data says so wherever it is read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

OVERRIDE_OPTION = "--despite-failed-gates"
IDENTITY_FLAG = "identity match to review"
"""The published column (and the report's badge) marking people with a linkage pair awaiting review."""


@dataclass(frozen=True)
class RunChecks:
    """Data quality as a list run found it; None on a ListRun made before these checks."""

    ingest_run: str | None  # the latest finished ingest run whose gates were read (None: none yet)
    failed_gates: tuple[str, ...]  # "gate (source): message", freshness excluded (see stale_sources)
    stale_sources: tuple[str, ...]  # "source: message", judged as of the list's as_of
    override: str | None  # the reason given with --despite-failed-gates; None when none was needed
    identity_review: frozenset[int]  # listed person ids with an identity match awaiting review

    @property
    def doubtful(self) -> bool:
        """True when a gate failed or a source is stale: the run refuses unless overridden."""
        return bool(self.failed_gates or self.stale_sources)

    def warnings(self) -> list[str]:
        """One line per failed gate and stale source, then the override's reason (empty when clean)."""
        lines = [f"Failed gate {g}" for g in self.failed_gates]
        lines += [f"Stale source {s}" for s in self.stale_sources]
        if self.override is not None:
            lines.append(f"Published despite these ({OVERRIDE_OPTION}): {self.override}")
        return lines

    def for_listed(self, listed: Iterable[int]) -> RunChecks:
        """These checks with identity_review narrowed to the people on the list (what is pinned)."""
        return replace(self, identity_review=self.identity_review & frozenset(listed))

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, for lists.run parameters (person ids sorted, so the text is stable)."""
        return {
            "ingest_run": self.ingest_run,
            "failed_gates": list(self.failed_gates),
            "stale_sources": list(self.stale_sources),
            "override": self.override,
            "identity_review": sorted(self.identity_review),
        }

    @classmethod
    def from_dict(cls, pinned: Mapping[str, Any]) -> RunChecks:
        """The checks as :meth:`as_dict` pinned them."""
        return cls(
            pinned["ingest_run"],
            tuple(pinned["failed_gates"]),
            tuple(pinned["stale_sources"]),
            pinned["override"],
            frozenset(int(p) for p in pinned["identity_review"]),
        )


def failed_gate_lines(gates: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """Each failed gate (as data_contracts.gates.Gate.as_dict stores it) but freshness, as one line.

    Freshness is left out because the list judges it again as of its own as_of (stale sources).
    """
    return tuple(
        f"{g['gate']}{_source(g.get('source'))}: {g['message']}"
        for g in gates
        if not g["passed"] and g["gate"] != "freshness"
    )


def _source(source: object) -> str:
    return f" ({source})" if source else ""


def refusal(checks: RunChecks) -> str:
    """The message refusing a list drawn from doubtful data: what failed and how to proceed."""
    what = "; ".join(checks.warnings())
    run = f"ingest run {checks.ingest_run}" if checks.ingest_run else "the warehouse"
    return (
        f"the list was not drawn up: {run} has data-quality problems: {what}. Fix them (load the "
        f"corrected or overdue files with `cohort ingest`), or publish anyway, stating why, with "
        f'{OVERRIDE_OPTION} "REASON" (recorded in the audit log and shown on every output)'
    )
