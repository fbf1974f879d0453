"""prefect.yaml stays valid, and says what runs when: ingest daily, linkage after ingest, the weekly
list on Mondays at 06:00 London time, training monthly."""

from __future__ import annotations

import asyncio
import importlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
LONDON = ZoneInfo("Europe/London")


def document() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def deployment(name: str) -> dict[str, Any]:
    (found,) = [d for d in document()["deployments"] if d["name"] == name]
    assert isinstance(found, dict)
    return found


def load_flow(entrypoint: str) -> Any:
    path, function = entrypoint.split(":")
    assert (ROOT / path).is_file(), f"{path} does not exist"
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    return getattr(module, function)


def run_dates(name: str, start: datetime, n: int) -> list[datetime]:
    """The next n runs of a deployment's schedule, computed as the server computes them."""
    from prefect.server.schemas.schedules import CronSchedule

    (schedule,) = deployment(name)["schedules"]
    cron = CronSchedule(cron=schedule["cron"], timezone=schedule["timezone"])
    return [d.astimezone(LONDON) for d in asyncio.run(cron.get_dates(n=n, start=start))]


def test_prefect_yaml_is_a_valid_deployment_file() -> None:
    from prefect.cli.deploy._models import PrefectYamlModel  # the model `prefect deploy` uses
    from prefect.client.schemas.schedules import CronSchedule

    model = PrefectYamlModel.model_validate(document())
    for entry in model.deployments:
        for schedule in entry.schedules or []:
            CronSchedule(cron=schedule.cron, timezone=schedule.timezone)


def test_every_deployment_runs_a_flow_on_the_local_pool_with_explicit_parameters() -> None:
    from prefect import Flow

    (pull,) = document()["pull"]
    assert pull["prefect.deployments.steps.set_working_directory"]["directory"] == "{{ $COHORT_HOME }}"
    names = [d["name"] for d in document()["deployments"]]
    assert names == ["daily-ingest", "link-after-ingest", "weekly-priority-list", "monthly-train-risk-model"]
    for entry in document()["deployments"]:
        flow = load_flow(entry["entrypoint"])
        assert isinstance(flow, Flow), f"{entry['entrypoint']} is not a Prefect flow"
        assert entry["description"].strip()
        assert entry["work_pool"]["name"] == "cohort-local"
        # every parameter the flow takes is given, and nothing else
        assert set(entry["parameters"]) == set(flow.parameters.properties), entry["name"]


def test_the_weekly_list_runs_on_mondays_at_six_london_time_all_year() -> None:
    flow = load_flow(deployment("weekly-priority-list")["entrypoint"])
    assert flow.name == "weekly-priority-list"
    # 40 weeks across the switch to summer time (29 March 2026) and back (25 October 2026)
    dates = run_dates("weekly-priority-list", datetime(2026, 3, 1, tzinfo=UTC), 40)
    assert all(d.weekday() == 0 and (d.hour, d.minute) == (6, 0) for d in dates)
    assert [(d.date() - e.date()).days for d, e in zip(dates[1:], dates, strict=False)] == [7] * 39
    assert {d.utcoffset() for d in dates} == {datetime(2026, 1, 5, tzinfo=LONDON).utcoffset(),
                                              datetime(2026, 7, 6, tzinfo=LONDON).utcoffset()}  # fmt: skip


def test_ingest_runs_every_day_at_five_london_time() -> None:
    assert load_flow(deployment("daily-ingest")["entrypoint"]).name == "ingest-extracts"
    dates = run_dates("daily-ingest", datetime(2026, 3, 25, tzinfo=UTC), 10)
    assert all((d.hour, d.minute) == (5, 0) for d in dates)
    assert [d.date().toordinal() for d in dates] == list(
        range(dates[0].date().toordinal(), dates[0].date().toordinal() + 10)
    )


def test_training_runs_on_the_first_of_each_month() -> None:
    assert load_flow(deployment("monthly-train-risk-model")["entrypoint"]).name == "train-risk-model"
    dates = run_dates("monthly-train-risk-model", datetime(2026, 1, 15, tzinfo=UTC), 12)
    assert all(d.day == 1 and (d.hour, d.minute) == (6, 0) for d in dates)
    assert [d.month for d in dates] == [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 1]


def flow_run_event(event: str, flow_name: str) -> Any:
    from prefect.server.events.schemas.events import ReceivedEvent

    return ReceivedEvent(
        occurred=datetime(2026, 11, 16, 7, tzinfo=UTC),
        event=event,
        resource={"prefect.resource.id": f"prefect.flow-run.{uuid4()}", "prefect.resource.name": "a-run"},
        related=[
            {
                "prefect.resource.id": f"prefect.flow.{uuid4()}",
                "prefect.resource.role": "flow",
                "prefect.resource.name": flow_name,
            }
        ],  # fmt: skip
        id=uuid4(),
    )


def test_linkage_runs_when_an_ingest_run_completes() -> None:
    """The trigger is validated as `prefect deploy` validates it, and the automation it becomes fires on a
    completed ingest-extracts run, and on nothing else."""
    from prefect.cli.deploy._triggers import _initialize_deployment_triggers
    from prefect.server.events.schemas.automations import EventTrigger

    link = deployment("link-after-ingest")
    assert "schedules" not in link  # no clock: it follows ingest
    assert load_flow(link["entrypoint"]).name == "link-identities"
    (trigger,) = _initialize_deployment_triggers(link["name"], link["triggers"])
    trigger.set_deployment_id(uuid4())
    automation = trigger.as_automation()
    (action,) = automation.actions
    assert action.type == "run-deployment" and action.source == "selected"
    assert set(action.parameters or {}) <= set(link["parameters"])
    assert "flow_run.parameters" in str((action.parameters or {})["warehouse"])  # the ingest's warehouse

    server_trigger = EventTrigger.model_validate(automation.trigger.model_dump())
    ingest_flow = load_flow(deployment("daily-ingest")["entrypoint"]).name
    assert server_trigger.covers(flow_run_event("prefect.flow-run.Completed", ingest_flow))
    assert not server_trigger.covers(flow_run_event("prefect.flow-run.Failed", ingest_flow))
    assert not server_trigger.covers(flow_run_event("prefect.flow-run.Completed", "link-identities"))
    assert not server_trigger.covers(flow_run_event("prefect.flow-run.Completed", "weekly-priority-list"))


@pytest.mark.parametrize("name", ["daily-ingest", "weekly-priority-list", "monthly-train-risk-model"])
def test_scheduled_deployments_use_london_time(name: str) -> None:
    (schedule,) = deployment(name)["schedules"]
    assert schedule["timezone"] == "Europe/London" and schedule["active"] is True
