"""Periods and the small-count rule: pure functions, no database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from abusedesk.transparency.figures import Durations
from abusedesk.transparency.period import PeriodError, parse_period, period_from_dates
from abusedesk.transparency.suppression import share, suppress, total_cell


@pytest.mark.parametrize(("text", "start", "end"), [
    ("2026H1", (2026, 1, 1), (2026, 7, 1)),
    ("2026H2", (2026, 7, 1), (2027, 1, 1)),
    ("2026Q3", (2026, 7, 1), (2026, 10, 1)),
    ("2026q4", (2026, 10, 1), (2027, 1, 1)),
    ("2026-07", (2026, 7, 1), (2026, 8, 1)),
    ("2026-12", (2026, 12, 1), (2027, 1, 1)),
])
def test_periods_are_half_open_utc_intervals(text: str, start: tuple[int, ...], end: tuple[int, ...]) -> None:
    period = parse_period(text)
    assert period.start == datetime(*start, tzinfo=UTC) and period.end == datetime(*end, tzinfo=UTC)
    assert period.contains(period.start) and not period.contains(period.end)


def test_explicit_dates_include_both_days() -> None:
    period = period_from_dates("2026-07-01", "2026-07-31")
    assert period.end == datetime(2026, 8, 1, tzinfo=UTC) and period.label == "2026-07-01_2026-07-31"
    assert period.last_day.isoformat() == "2026-07-31"


@pytest.mark.parametrize(("call", "named"), [
    (lambda: parse_period("2026H3"), "--period '2026H3'"),
    (lambda: parse_period("2026-13"), "--period '2026-13'"),
    (lambda: parse_period("last year"), "--period 'last year'"),
    (lambda: period_from_dates("2026-02-30", "2026-03-01"), "--from '2026-02-30'"),
    (lambda: period_from_dates("2026-03-01", "March"), "--to 'March'"),
    (lambda: period_from_dates("2026-03-02", "2026-03-01"), "--to '2026-03-01' is before --from"),
])
def test_period_errors_name_the_argument(call: object, named: str) -> None:
    with pytest.raises(PeriodError) as raised:
        call()  # type: ignore[operator]
    assert named in str(raised.value)


def _shown(counts: list[int], min_count: int = 5) -> list[str]:
    return [cell.display for cell in suppress(counts, min_count)]


def test_counts_below_the_minimum_are_published_as_less_than() -> None:
    assert _shown([0, 1, 4, 5, 120]) == ["0", "<5", "<5", "5", "120"]
    assert _shown([3, 3], min_count=3) == ["3", "3"]
    assert _shown([1, 2], min_count=1) == ["1", "2"]  # min-count 1 turns suppression off


def test_a_lone_small_cell_is_protected_from_subtraction() -> None:
    # total 110 minus 100 would reveal the 3: the smallest other cell is withheld too.
    assert _shown([100, 3, 7]) == ["100", "<5", "withheld"]
    # two small cells adding up to less than five would reveal both; a third cell goes with them.
    assert _shown([50, 1, 1, 9]) == ["50", "<5", "<5", "withheld"]
    # two small cells adding up to at least five stand on their own.
    assert _shown([50, 3, 4]) == ["50", "<5", "<5"]


def test_totals_and_shares_follow_the_same_rule() -> None:
    assert total_cell(3).display == "<5" and total_cell(0).display == "0" and total_cell(12).value == 12
    assert share(5, 20) == 25.0
    assert share(3, 20) is None  # numerator small
    assert share(17, 20) is None  # the rest (3) small
    assert share(0, 20) == 0.0 and share(20, 20) == 100.0
    assert share(0, 0) is None


def test_median_and_nearest_rank_p90() -> None:
    durations = Durations([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 100.0])
    assert durations.median == 5.5 and durations.p90 == 9.0
    assert Durations([4.0, 10.0]).median == 7.0 and Durations([4.0, 10.0]).p90 == 10.0
    assert Durations().median is None and Durations().p90 is None
