"""When a unit reaches its targets at its current pace: the least-squares arithmetic."""

import datetime

import pytest

from readiness.projection import (
    Outcome,
    Projection,
    Series,
    linear_fit,
    project_series,
    project_targets,
)

TODAY = datetime.date(2026, 6, 30)


def days_ago(count: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=count)


def test_linear_fit_is_least_squares():
    assert linear_fit([(0, 1.0), (1, 3.0), (2, 5.0)]) == (2.0, 1.0)
    # Off the line, by hand: mean x 1.5, mean y 1.25; sum of dx*dy 2.5, of dx^2 5 -> slope 0.5,
    # intercept 1.25 - 0.5 * 1.5 = 0.5.
    slope, intercept = linear_fit([(0, 0.0), (1, 2.0), (2, 1.0), (3, 2.0)])
    assert slope == pytest.approx(0.5)
    assert intercept == pytest.approx(0.5)


def test_linear_fit_needs_two_distinct_x():
    assert linear_fit([]) is None
    assert linear_fit([(1, 0.5)]) is None
    assert linear_fit([(1, 0.5), (1, 0.7)]) is None


def test_already_at_target():
    result = project_series([(days_ago(30), 0.7), (TODAY, 0.8)], target=0.8)
    assert result == Projection(Outcome.ALREADY)


def test_projects_from_the_latest_value_at_the_fitted_pace():
    # 0.4 -> 0.49 -> 0.49 over 60 days: slope 0.0015 a day; 0.31 to go -> 206.7 -> 207 days.
    points = [(days_ago(60), 0.40), (days_ago(30), 0.49), (TODAY, 0.49)]

    result = project_series(points, target=0.8)

    assert result.outcome == Outcome.ON_DATE
    assert result.pace_per_day == pytest.approx(0.0015)
    assert result.on == TODAY + datetime.timedelta(days=207)


def test_points_in_any_order_and_missing_values_are_skipped():
    points = [(TODAY, 0.6), (days_ago(20), None), (days_ago(10), 0.5)]

    result = project_series(points, target=0.8)

    # 0.01 a day from 0.6: 20 days.
    assert result == Projection(
        Outcome.ON_DATE, on=TODAY + datetime.timedelta(days=20), pace_per_day=pytest.approx(0.01)
    )


@pytest.mark.parametrize("values", [(0.5, 0.5, 0.5), (0.6, 0.55, 0.5)])
def test_flat_or_falling_cannot_be_projected(values):
    points = [(days_ago(60), values[0]), (days_ago(30), values[1]), (TODAY, values[2])]

    result = project_series(points, target=0.8)

    assert result.outcome == Outcome.NO_PROGRESS
    assert result.on is None


def test_only_the_recent_window_sets_the_pace():
    # Rose fast a year ago, flat over the last 90 days: no progress now.
    points = [(days_ago(365), 0.1), (days_ago(200), 0.5), (days_ago(80), 0.6), (days_ago(40), 0.6), (TODAY, 0.6)]

    assert project_series(points, target=0.8).outcome == Outcome.NO_PROGRESS
    assert project_series(points, target=0.8, window_days=400).outcome == Outcome.ON_DATE


def test_not_enough_data():
    assert project_series([], target=0.8).outcome == Outcome.NOT_ENOUGH_DATA
    assert project_series([(TODAY, 0.3)], target=0.8).outcome == Outcome.NOT_ENOUGH_DATA
    assert project_series([(days_ago(200), 0.1), (TODAY, 0.3)], target=0.8).outcome == Outcome.NOT_ENOUGH_DATA
    assert project_series([(days_ago(5), None), (TODAY, None)], target=0.8).outcome == Outcome.NOT_ENOUGH_DATA


def test_too_slow_beyond_the_horizon():
    # 0.01 over 90 days: 0.5 to go takes 4,500 days.
    points = [(days_ago(90), 0.29), (TODAY, 0.30)]

    assert project_series(points, target=0.8).outcome == Outcome.TOO_SLOW
    assert project_series(points, target=0.8, horizon_days=5000).outcome == Outcome.ON_DATE


def test_targets_are_reached_when_the_last_series_is():
    index = Series("index", [(days_ago(10), 0.5), (TODAY, 0.6)], 0.8)  # 0.02/day: 10 days
    gate = Series("SGBV", [(days_ago(10), 0.2), (TODAY, 0.3)], 0.8)  # 0.01/day: 50 days
    vetting = Series("vetting", [(days_ago(10), 1.0), (TODAY, 1.0)], 1.0)  # met

    result = project_targets([index, gate, vetting])

    assert (result.outcome, result.on, result.key) == (Outcome.ON_DATE, TODAY + datetime.timedelta(days=50), "SGBV")


def test_a_stalled_gate_blocks_the_projection_whatever_the_index():
    index = Series("index", [(days_ago(10), 0.5), (TODAY, 0.6)], 0.8)
    gate = Series("vetting", [(days_ago(10), 0.7), (TODAY, 0.7)], 1.0)

    result = project_targets([index, gate])

    assert (result.outcome, result.key) == (Outcome.NO_PROGRESS, "vetting")


def test_all_series_at_target_is_already_and_no_series_is_no_data():
    done = [Series("index", [(TODAY, 0.85)], 0.8), Series("vetting", [(TODAY, 1.0)], 1.0)]

    assert project_targets(done).outcome == Outcome.ALREADY
    assert project_targets([]).outcome == Outcome.NOT_ENOUGH_DATA
