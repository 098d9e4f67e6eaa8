"""When a unit reaches its targets at its current pace: a straight line through recent history.

Pure functions over dated values, so the arithmetic is tested on its own. A unit reaches
its targets when its index reaches the profile's threshold *and* every gate is met, so the
pages project each of those series (the index against the threshold, each gate's share
against its target) and the unit is ready when the last of them is: an average cannot hide
a gate that does not move.

The pace is the slope of a least-squares line through the points of the last
``window_days`` days (a few missed nightly snapshots do not matter), counted from the
latest value, not from the fitted line: where the unit is now is known, only the pace is
estimated.
"""

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass

WINDOW_DAYS = 90
# Beyond this, "at the current pace" stops meaning anything useful to a leader.
HORIZON_DAYS = 10 * 365
# A slope below this (index points per day) is no progress: under 0.1 point a year.
MIN_PACE_PER_DAY = 0.001 / 365


class Outcome:
    ALREADY = "already"  # the latest value is at or above the target
    ON_DATE = "on_date"  # reached on ``on`` at the current pace
    NO_PROGRESS = "no_progress"  # flat or falling: cannot project
    TOO_SLOW = "too_slow"  # rising, but beyond the horizon
    NOT_ENOUGH_DATA = "not_enough_data"  # fewer than two dated values in the window


# When several series are combined, the one that says least about a date decides.
_SEVERITY = [Outcome.ALREADY, Outcome.ON_DATE, Outcome.TOO_SLOW, Outcome.NO_PROGRESS, Outcome.NOT_ENOUGH_DATA]


@dataclass(frozen=True)
class Projection:
    outcome: str
    on: datetime.date | None = None
    pace_per_day: float | None = None
    key: str = ""  # which series decided (combined projections)


@dataclass(frozen=True)
class Series:
    key: str
    points: Sequence[tuple[datetime.date, float | None]]
    target: float


def linear_fit(points: Sequence[tuple[float, float]]) -> tuple[float, float] | None:
    """(slope, intercept) of the least-squares line through (x, y) points; None when the x
    values do not vary (fewer than two distinct x)."""
    count = len(points)
    if count < 2:
        return None
    mean_x = sum(x for x, _ in points) / count
    mean_y = sum(y for _, y in points) / count
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    if spread == 0:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread
    return slope, mean_y - slope * mean_x


def project_series(
    points: Sequence[tuple[datetime.date, float | None]],
    *,
    target: float,
    window_days: int = WINDOW_DAYS,
    horizon_days: int = HORIZON_DAYS,
) -> Projection:
    """When one series of values (in any order; None values are skipped) reaches ``target``."""
    known = sorted((day, value) for day, value in points if value is not None)
    if not known:
        return Projection(Outcome.NOT_ENOUGH_DATA)
    last_day, last_value = known[-1]
    if last_value >= target:
        return Projection(Outcome.ALREADY)
    start = last_day - datetime.timedelta(days=window_days)
    recent = [((day - last_day).days, value) for day, value in known if day >= start]
    fit = linear_fit(recent)
    if fit is None:
        return Projection(Outcome.NOT_ENOUGH_DATA)
    pace = fit[0]
    if pace < MIN_PACE_PER_DAY:
        return Projection(Outcome.NO_PROGRESS, pace_per_day=pace)
    # Rounded first so that 20.000000000000004 days (binary fractions) is 20, not 21.
    days = math.ceil(round((target - last_value) / pace, 6))
    if days > horizon_days:
        return Projection(Outcome.TOO_SLOW, pace_per_day=pace)
    return Projection(Outcome.ON_DATE, on=last_day + datetime.timedelta(days=days), pace_per_day=pace)


def project_targets(
    series: Sequence[Series], *, window_days: int = WINDOW_DAYS, horizon_days: int = HORIZON_DAYS
) -> Projection:
    """When every series has reached its target: the latest of their dates.

    Already, when all are; otherwise the least certain outcome among the series not yet
    at target decides (no data, then no progress, then too slow), naming that series in
    ``key``; with dates only, the latest date and its series."""
    if not series:
        return Projection(Outcome.NOT_ENOUGH_DATA)
    worst: Projection | None = None
    for one in series:
        projection = project_series(one.points, target=one.target, window_days=window_days, horizon_days=horizon_days)
        projection = Projection(projection.outcome, projection.on, projection.pace_per_day, one.key)
        if worst is None or _later(projection, worst):
            worst = projection
    assert worst is not None  # series is not empty
    return worst


def _later(candidate: Projection, current: Projection) -> bool:
    rank, current_rank = _SEVERITY.index(candidate.outcome), _SEVERITY.index(current.outcome)
    if rank != current_rank:
        return rank > current_rank
    if candidate.outcome != Outcome.ON_DATE or candidate.on is None or current.on is None:
        return False  # an ON_DATE projection always has its date
    return candidate.on > current.on
