"""Scenario time offsets: ``"90m"``, ``"2.5h"``, ``"3d"`` (docs/scenarios.md) to seconds and back."""

from __future__ import annotations

import re

UNITS = {"m": 60, "h": 3600, "d": 86400}
_OFFSET = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([mhd])\s*")


def parse_offset(value: str) -> float:
    """Seconds in an offset: a non-negative number with unit m, h or d. Errors name the bad value."""
    m = _OFFSET.fullmatch(value) if isinstance(value, str) else None
    if m is None:
        raise ValueError(f"bad time offset {value!r}: expected a number with unit m, h or d, e.g. '90m', '2.5h', '3d'")
    return float(m.group(1)) * UNITS[m.group(2)]


def format_offset(seconds: float) -> str:
    """The output notation: hours with at most two decimals (``"49.5h"``), as the scenario output uses."""
    hours = round(seconds / 3600, 2)
    return f"{hours:g}h"
