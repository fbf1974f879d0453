"""prefect.yaml stays valid as deployments are added."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_prefect_yaml_is_a_valid_deployment_file() -> None:
    from prefect.cli.deploy._models import PrefectYamlModel  # the model `prefect deploy` uses
    from prefect.client.schemas.schedules import CronSchedule

    model = PrefectYamlModel.model_validate(yaml.safe_load((ROOT / "prefect.yaml").read_text()))
    for deployment in model.deployments:
        for schedule in deployment.schedules or []:
            CronSchedule(cron=schedule.cron, timezone=schedule.timezone)
