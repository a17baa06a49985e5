"""Reporting periods: `2026H1`, `2026Q3`, `2026-07` or explicit dates.

A period is a half-open UTC interval [start, end) so that consecutive periods never count a row twice and
midnight belongs to exactly one of them. Errors name the argument that was wrong, because the CLI shows
them to an operator as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta


class PeriodError(ValueError):
    """A period argument could not be understood; the message names the argument."""


@dataclass(frozen=True)
class Period:
    label: str
    start: datetime  # inclusive, UTC
    end: datetime  # exclusive, UTC

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(days=1)).date()


_HALF = re.compile(r"^(\d{4})H([12])$")
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _months(label: str, year: int, first_month: int, count: int) -> Period:
    start = date(year, first_month, 1)
    end_month = first_month + count
    end = date(year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)
    return Period(label=label, start=_utc(start), end=_utc(end))


def parse_period(text: str, *, argument: str = "--period") -> Period:
    """`2026H2` (half year), `2026Q3` (quarter) or `2026-07` (month)."""
    value = (text or "").strip().upper()
    if match := _HALF.match(value):
        return _months(value, int(match.group(1)), 1 + 6 * (int(match.group(2)) - 1), 6)
    if match := _QUARTER.match(value):
        return _months(value, int(match.group(1)), 1 + 3 * (int(match.group(2)) - 1), 3)
    if (match := _MONTH.match(value)) and 1 <= int(match.group(2)) <= 12:
        return _months(value, int(match.group(1)), int(match.group(2)), 1)
    raise PeriodError(f"{argument} {text!r} is not a period: use 2026H1, 2026H2, 2026Q3 or 2026-07")


def _parse_date(text: str, argument: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise PeriodError(f"{argument} {text!r} is not a date: use YYYY-MM-DD") from None


def period_from_dates(start: str, end: str) -> Period:
    """`--from 2026-07-01 --to 2026-09-30`: both days included (the report covers whole days)."""
    first, last = _parse_date(start, "--from"), _parse_date(end, "--to")
    if last < first:
        raise PeriodError(f"--to {end!r} is before --from {start!r}")
    return Period(label=f"{first.isoformat()}_{last.isoformat()}", start=_utc(first),
                  end=_utc(last + timedelta(days=1)))
