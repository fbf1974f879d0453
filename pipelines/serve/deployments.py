"""The deployments: those prefect.yaml declares, those the server has, and how the two differ."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from data_contracts.declarations import parse_yaml


@dataclass(frozen=True)
class Declared:
    """A deployment declared in prefect.yaml."""

    name: str
    entrypoint: str
    schedules: tuple[tuple[str, str], ...]  # (cron, timezone) of each active schedule
    triggers: tuple[str, ...]  # names of its triggers (automations)


def declared_deployments(prefect_yaml: Path) -> list[Declared]:
    """The deployments prefect.yaml declares."""
    document = parse_yaml(prefect_yaml.read_text(encoding="utf-8"), str(prefect_yaml)) or {}
    declared = []
    for entry in document.get("deployments") or []:
        schedules = tuple(
            (str(s["cron"]), str(s.get("timezone") or "UTC"))
            for s in entry.get("schedules") or []
            if s.get("cron") and s.get("active", True)
        )
        triggers = tuple(
            str(t.get("name") or f"{entry['name']}__automation_{i}")
            for i, t in enumerate(entry.get("triggers") or [], start=1)
        )
        declared.append(Declared(str(entry["name"]), str(entry["entrypoint"]), schedules, triggers))
    return declared


@dataclass(frozen=True)
class Registered:
    """A deployment as the server has it."""

    flow: str
    name: str
    schedules: tuple[tuple[str, str], ...]  # (cron, timezone) of each active schedule
    triggers: tuple[str, ...]  # names of the automations it owns
    next_runs: tuple[datetime, ...]  # its next scheduled runs, UTC

    @property
    def full_name(self) -> str:
        return f"{self.flow}/{self.name}"


def problems(declared: Sequence[Declared], registered: Sequence[Registered]) -> list[str]:
    """How the server's deployments fall short of prefect.yaml (empty when everything is in place)."""
    by_name = {r.name: r for r in registered}
    found = []
    for wanted in declared:
        have = by_name.get(wanted.name)
        if have is None:
            found.append(f"{wanted.name}: not registered")
            continue
        if set(have.schedules) != set(wanted.schedules):
            found.append(
                f"{wanted.name}: schedules {sorted(have.schedules)}, expected {sorted(wanted.schedules)}"
            )
        missing = set(wanted.triggers) - set(have.triggers)
        if missing:
            found.append(f"{wanted.name}: trigger {', '.join(sorted(missing))} not registered")
        if wanted.schedules and not have.next_runs:
            found.append(f"{wanted.name}: no run scheduled yet")
    return found


def describe(deployment: Registered, timezone: str = "Europe/London") -> str:
    """One line: the deployment, when it runs, and its next runs in local time."""
    if deployment.schedules:
        when = "; ".join(f"cron '{cron}' ({zone})" for cron, zone in deployment.schedules)
        zone = ZoneInfo(deployment.schedules[0][1])
    elif deployment.triggers:
        when = f"on trigger {', '.join(deployment.triggers)}"
        zone = ZoneInfo(timezone)
    else:
        when, zone = "on demand only", ZoneInfo(timezone)
    line = f"{deployment.full_name}: {when}"
    if deployment.next_runs:
        runs = ", ".join(
            run.astimezone(zone).strftime("%a %d %b %Y %H:%M %Z") for run in deployment.next_runs
        )
        line += f"; next {runs}"
    return line
