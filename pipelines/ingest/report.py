"""The ingest run's validation report: an offline HTML page a data engineer can act on, and a Rich table."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl
from rich.table import Table

from data_contracts.contract import Contract
from data_contracts.gates import Gate
from data_contracts.rendering import environment
from data_contracts.suite import EXTRACT_DATE, FILE, build_checks
from pipelines.files import write_private
from pipelines.ingest.load import FileOutcome

EXAMPLES_PER_RULE = 3
PII_MASK = "(personal data: open the row in quarantine)"


@dataclass(frozen=True)
class RuleSummary:
    """How many rows broke one check in this run, with a few examples."""

    rule: str
    message: str
    action: str
    rows: int
    examples: list[tuple[str, int, str]]  # (file, row number, value or mask)


@dataclass
class SourceSummary:
    """One source's part of the report."""

    name: str
    description: str
    owner: str
    files: list[FileOutcome] = field(default_factory=list)
    rules: list[RuleSummary] = field(default_factory=list)
    gates: list[Gate] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    @property
    def quarantined(self) -> int:
        return sum(f.quarantined for f in self.files)


def summarise_rules(contract: Contract, outcomes: list[FileOutcome]) -> list[RuleSummary]:
    """Quarantined rows of this run grouped by the check they broke, with examples (PII masked)."""
    checks = {c.rule: c for c in build_checks(contract)}
    pii = {c.name for c in contract.columns if c.pii}
    found: dict[str, list[tuple[str, int, str]]] = {}
    counts: dict[str, int] = {}
    for outcome in outcomes:
        if outcome.quarantined_rows is None or outcome.quarantined_rows.height == 0:
            continue
        exploded = outcome.quarantined_rows.explode("reasons").with_columns(
            pl.col("reasons").struct.field("rule").alias("_rule")
        )
        for (rule,), group in exploded.group_by("_rule", maintain_order=True):
            rule = str(rule)
            counts[rule] = counts.get(rule, 0) + group.height
            shown = [c for c in checks[rule].columns if c not in (FILE, EXTRACT_DATE)]
            for row in group.head(EXAMPLES_PER_RULE - len(found.get(rule, []))).iter_rows(named=True):
                value = (
                    PII_MASK
                    if any(c in pii for c in shown)
                    else ", ".join(f"{c}={_shown(row[c])}" for c in shown)
                )
                found.setdefault(rule, []).append((outcome.file_name, int(row["row_number"]), value))
    order = list(checks)
    return [
        RuleSummary(rule, checks[rule].message, checks[rule].action, counts[rule], found.get(rule, []))
        for rule in sorted(counts, key=order.index)
    ]


def _shown(value: object) -> str:
    if value is None:
        return "(blank)"
    text = str(value)
    return repr(text[:60] + ("…" if len(text) > 60 else ""))


def build_summaries(
    contracts: dict[str, Contract], outcomes: list[FileOutcome], gates: list[Gate]
) -> list[SourceSummary]:
    """Per source: this run's files, quarantine by rule and gates."""
    summaries = []
    for name, contract in contracts.items():
        files = [o for o in outcomes if o.source == name]
        summaries.append(
            SourceSummary(
                name, contract.description, contract.owner, files,
                summarise_rules(contract, files), [g for g in gates if g.source == name],
            )
        )  # fmt: skip
    return summaries


def render_report(context: dict[str, object]) -> str:
    """The HTML report (self-contained: no scripts, fonts or styles from the network)."""
    env = environment("pipelines.ingest")
    return env.get_template("ingest_report.html.j2").render(**context)


def write_report(folder: Path, run_id: str, run_date: date, html: str) -> Path:
    """Write the report owner-only; returns its path."""
    return write_private(folder / f"ingest_{run_date.isoformat()}_{run_id[:8]}.html", html)


def summary_table(summaries: list[SourceSummary], unmatched: list[FileOutcome], title: str) -> Table:
    """The Rich table printed at the end of a run (fits 80 columns)."""
    table = Table(title=title, caption="files: loaded / skipped (seen before) / rejected / held")
    for column in ("source", "files", "rows", "quarantined", "gates"):
        table.add_column(column, justify="right" if column in ("files", "rows", "quarantined") else "left",
                         no_wrap=column != "gates")  # fmt: skip
    for s in summaries:
        failed = [g.gate for g in s.gates if not g.passed]
        count = {
            status: sum(f.status == status for f in s.files)
            for status in ("loaded", "skipped", "rejected", "held")
        }
        table.add_row(
            s.name,
            f"{count['loaded']} / {count['skipped']} / {_red(count['rejected'])} / {_red(count['held'])}",
            f"{s.rows:,}",
            f"{s.quarantined:,} ({s.quarantined / s.rows:.1%})" if s.rows else "0",
            "[red]failed: " + ", ".join(failed) + "[/red]" if failed else "[green]passed[/green]",
        )
    if unmatched:
        table.add_row("(no contract)", f"0 / 0 / {_red(len(unmatched))} / 0", "0", "0", "")
    return table


def _red(count: int) -> str:
    return f"[red]{count}[/red]" if count else "0"
