"""Automatic quality control of hourly values: out of range, negative, stuck and spike flags.

`hour_flags` is the rule, a pure function over one parameter's hourly series; ingestion
(monitoring/ingestion.py) applies it to the hours a batch brings and to the neighbours whose
flags depend on them. A value with any flag is `flagged` and stays out of the AQI, unless an
operator restored it (services.measurements_restore).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from motcua.monitoring.models import HourlyMeasurement, Parameter, QualityFlag

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Rule:
    """What quality control needs to know about a parameter."""

    valid_min: float | None = None
    valid_max: float | None = None
    allows_negative: bool = False
    spike_threshold: float | None = None
    decimal_places: int = 1

    @classmethod
    def of(cls, parameter: Parameter) -> Rule:
        return cls(
            valid_min=parameter.valid_min,
            valid_max=parameter.valid_max,
            allows_negative=parameter.allows_negative,
            spike_threshold=parameter.spike_threshold,
            decimal_places=parameter.decimal_places,
        )


def hour_flags(
    series: Sequence[tuple[datetime, float]], *, rule: Rule, stuck_hours: int | None = None
) -> list[list[str]]:
    """The flags of each value of a series sorted by hour. Hours are consecutive only when
    exactly one hour apart: a missing hour ends a stuck run and has no spike to compare with."""
    stuck_hours = stuck_hours or settings.MONITORING_STUCK_HOURS
    flags: list[list[str]] = [[] for _ in series]
    for position, (_, value) in enumerate(series):
        if value < 0 and not rule.allows_negative:
            flags[position].append(QualityFlag.NEGATIVE)
        elif (rule.valid_min is not None and value < rule.valid_min) or (
            rule.valid_max is not None and value > rule.valid_max
        ):
            flags[position].append(QualityFlag.OUT_OF_RANGE)

    run_start = 0
    for position in range(1, len(series) + 1):
        continues = (
            position < len(series)
            and series[position][0] - series[position - 1][0] == HOUR
            and round(series[position][1], rule.decimal_places)
            == round(series[position - 1][1], rule.decimal_places)
        )
        if continues:
            continue
        if position - run_start >= stuck_hours:
            for member in range(run_start, position):
                flags[member].append(QualityFlag.STUCK)
        run_start = position

    if rule.spike_threshold is not None:
        for position in range(1, len(series)):
            (previous_hour, previous), (hour, value) = series[position - 1], series[position]
            if hour - previous_hour == HOUR and abs(value - previous) > rule.spike_threshold:
                flags[position].append(QualityFlag.SPIKE)
    return flags


def validity_for(flags: Sequence[str]) -> str:
    return HourlyMeasurement.Validity.FLAGGED if flags else HourlyMeasurement.Validity.VALID
