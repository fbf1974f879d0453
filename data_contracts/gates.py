"""Quality gates: the conditions under which an ingest run fails, however many rows it loaded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from data_contracts.contract import Contract


@dataclass(frozen=True)
class Gate:
    """One gate's verdict for one source (or for the run, when source is None)."""

    gate: str  # quarantine_share, freshness, readable_files, held_redeliveries or settled_files
    source: str | None
    passed: bool
    value: float | None
    limit: float | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def quarantine_gate(contract: Contract, rows: int, quarantined: int) -> Gate:
    """Fails when more of this run's rows from the source were quarantined than its contract allows.

    A handful of quarantined rows (fewer than the contract's ``min_quarantined_rows``) never
    fails it: one bad row in a 40-row file is 2.5%, but says nothing about the extract.
    """
    share = quarantined / rows if rows else 0.0
    limit = contract.max_quarantine_share
    passed = share <= limit or quarantined < contract.min_quarantined_rows
    message = (
        f"{quarantined:,} of {rows:,} rows quarantined ({share:.2%}, limit {limit:.2%}"
        + (f"; under {contract.min_quarantined_rows} rows never fail the gate)" if share > limit else ")")
        if passed
        else f"{quarantined:,} of {rows:,} rows quarantined: {share:.2%} is {share - limit:.2%} over the "
        f"{limit:.2%} limit; read the quarantine reasons in the report and ask the sender to correct "
        "the extract"
    )
    return Gate("quarantine_share", contract.name, passed, round(share, 6), limit, message)


def freshness_gate(contract: Contract, newest: date | None, run_date: date) -> Gate:
    """Fails when the newest file loaded for the source is older than its cadence allows on ``run_date``."""
    limit = contract.max_age_days
    if newest is None:
        return Gate(
            "freshness", contract.name, False, None, limit,
            f"no {contract.name} file has ever been loaded; expected a {contract.cadence} extract",
        )  # fmt: skip
    age = (run_date - newest).days
    passed = age <= limit
    message = (
        f"newest file is {age} days old (limit {limit})"
        if passed
        else f"newest file ({newest.isoformat()}) is {age} days old, {age - limit} days over the "
        f"{limit}-day limit "
        f"for a {contract.cadence} extract; ask {contract.owner} for the overdue file"
    )
    return Gate("freshness", contract.name, passed, age, limit, message)


def files_gate(gate: str, files: Sequence[str], passed_message: str, failed: str, action: str) -> Gate:
    """A run-level gate that fails when any file is named; ``failed`` says what befell them."""
    message = passed_message if not files else f"{len(files)} file(s) {failed}: {', '.join(files)}; {action}"
    return Gate(gate, None, not files, len(files), 0, message)


def readable_files_gate(rejected: Sequence[str]) -> Gate:
    """Fails when a file seen in this run was rejected whole."""
    return files_gate(
        "readable_files", rejected, "every new file was readable", "rejected whole",
        "see each file's reason in the report",
    )  # fmt: skip


def held_redeliveries_gate(held: Sequence[tuple[str, int, int]]) -> Gate:
    """Fails while a shorter re-delivery of a loaded file waits for a person (pipelines.ingest.held).

    Args:
        held: per held copy, (file name, rows of the copy kept current, rows of the held copy).
    """
    passed = not held
    message = (
        "no re-delivery is held"
        if passed
        else f"{len(held)} re-delivered file(s) have fewer rows than the copy already loaded and were held "
        "(the loaded copy stays current): "
        + "; ".join(f"{name} {before:,} rows before, {after:,} after" for name, before, after in held)
        + "; ask the sender whether rows were withdrawn or the file was cut short, then have the full "
        "file re-sent or run `cohort ingest --accept-shorter FILE --reason TEXT`"
    )
    return Gate("held_redeliveries", None, passed, len(held), 0, message)


def settled_files_gate(unsettled: Sequence[str]) -> Gate:
    """Fails when a file was still being written during the run (it was left for the next run)."""
    return files_gate(
        "settled_files", unsettled, "every file had finished arriving", "still being written were not loaded",
        "run the ingest again once the copy has finished",
    )  # fmt: skip


def evaluate_gates(
    contracts: dict[str, Contract],
    run_rows: dict[str, tuple[int, int]],
    newest: dict[str, date],
    rejected: list[str],
    run_date: date,
    held: Sequence[tuple[str, int, int]] = (),
    unsettled: Sequence[str] = (),
) -> list[Gate]:
    """Every gate for a run.

    Args:
        contracts: the contracts by source.
        run_rows: per source loaded in this run, (rows read, rows quarantined).
        newest: per source, the newest extract date loaded that is not after ``run_date``.
        rejected: names of files rejected in this run.
        run_date: the day the run is for.
        held: shorter re-deliveries waiting for a person: (file name, rows before, rows after).
        unsettled: names of files left because they were still being written.

    Returns:
        Gates in a stable order: the run's readable-files, held-redeliveries and settled-files
        gates, then per source freshness and (if the run loaded any of its rows) quarantine share.
    """
    gates = [readable_files_gate(rejected), held_redeliveries_gate(held), settled_files_gate(unsettled)]
    for name, contract in contracts.items():
        gates.append(freshness_gate(contract, newest.get(name), run_date))
        if name in run_rows:
            gates.append(quarantine_gate(contract, *run_rows[name]))
    return gates
