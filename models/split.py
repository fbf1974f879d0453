"""The time split: which monthly snapshots train, calibrate and test a model.

The test is the latest snapshot whose outcome window has closed by the date the data are
known until. Calibration snapshots are the months before it whose windows close by the test
date, and training snapshots the months whose windows close by the first calibration date.
So no outcome the model or its calibrator saw overlaps the test window, and a person's later
history can never flatter the test.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from models.settings import ModelSettings


class NotEnoughHistory(ValueError):
    """The warehouse does not reach far enough back for the training snapshots asked for."""


@dataclass(frozen=True)
class Split:
    """Snapshot dates, oldest first."""

    train: tuple[date, ...]
    calibration: tuple[date, ...]
    test: date

    def as_dict(self) -> dict[str, object]:
        return {
            "train": [d.isoformat() for d in self.train],
            "calibration": [d.isoformat() for d in self.calibration],
            "test": self.test.isoformat(),
        }


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier), on the month's last day where it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def plan_split(known_until: date, history_start: date, settings: ModelSettings) -> Split:
    """The snapshot dates for a model trained on data known until ``known_until``.

    Args:
        known_until: the date the outcome source is complete to (its latest extract).
        history_start: the earliest event date in the warehouse; a training snapshot needs
            ``minimum_history_months`` of history before it.
        settings: horizon and how many snapshots of each part.

    Raises:
        NotEnoughHistory: fewer than the minimum training snapshots fit.
    """
    horizon = settings.horizon_months
    test = add_months(known_until, -horizon)
    last_calibration = add_months(test, -horizon)
    calibration = [add_months(last_calibration, -k) for k in range(settings.calibration_snapshots)][::-1]
    last_train = add_months(calibration[0], -horizon)
    earliest = add_months(history_start, settings.minimum_history_months)
    train = [d for k in range(settings.train_snapshots) if (d := add_months(last_train, -k)) >= earliest][
        ::-1
    ]
    if len(train) < settings.minimum_train_snapshots:
        raise NotEnoughHistory(
            f"only {len(train)} monthly training snapshots fit between {earliest:%d/%m/%Y} "
            f"({settings.minimum_history_months} months after the first event) and {last_train:%d/%m/%Y}; "
            f"{settings.minimum_train_snapshots} are needed. "
            "Load more history, or lower split.minimum_train_snapshots in the model settings."
        )
    return Split(tuple(train), tuple(calibration), test)
