"""Small-count suppression: what we publish must not single out a person or a customer.

Rule (documented in docs/transparency.md):
1. A count of 0 is published. A count from 1 to min_count-1 is published as "<min_count" (primary).
2. Every table also shows its total. So that the total minus the published cells cannot reveal a
   suppressed cell, more cells are withheld (secondary suppression, shown as "withheld") — the smallest
   positive ones first — until the withheld cells number at least two and add up to at least min_count.
3. A share (percentage) is published only when both its numerator and the rest of its denominator are 0 or
   at least min_count; otherwise it is shown as "suppressed". A median or percentile is published only
   when it is computed over at least min_count cases.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MIN_COUNT = 5
WITHHELD = "withheld"
SUPPRESSED = "suppressed"


@dataclass(frozen=True)
class Cell:
    """A published count: `value` is None when the count is not published; `display` is what readers see."""

    value: int | None
    display: str

    @property
    def published(self) -> bool:
        return self.value is not None


def small(count: int, min_count: int) -> bool:
    return 0 < count < min_count


def suppress(counts: list[int], min_count: int = DEFAULT_MIN_COUNT) -> list[Cell]:
    """Apply rules 1 and 2 to one table's counts (in table order)."""
    hidden = {i for i, count in enumerate(counts) if small(count, min_count)}
    withheld: set[int] = set()
    if hidden:
        by_size = sorted((count, i) for i, count in enumerate(counts) if count > 0 and i not in hidden)
        while by_size and (len(hidden | withheld) < 2 or sum(counts[i] for i in hidden | withheld) < min_count):
            withheld.add(by_size.pop(0)[1])
    return [_cell(count, i, hidden, withheld, min_count) for i, count in enumerate(counts)]


def _cell(count: int, index: int, hidden: set[int], withheld: set[int], min_count: int) -> Cell:
    if index in hidden:
        return Cell(None, f"<{min_count}")
    if index in withheld:
        return Cell(None, WITHHELD)
    return Cell(count, str(count))


def total_cell(total: int, min_count: int = DEFAULT_MIN_COUNT) -> Cell:
    """A table total is itself a count: a total of 1..min_count-1 is suppressed too."""
    return Cell(None, f"<{min_count}") if small(total, min_count) else Cell(total, str(total))


def share(numerator: int, denominator: int, min_count: int = DEFAULT_MIN_COUNT) -> float | None:
    """Numerator / denominator in percent (one decimal), or None where it would reveal a small count."""
    rest = denominator - numerator
    if denominator <= 0 or small(numerator, min_count) or small(rest, min_count):
        return None
    return round(100.0 * numerator / denominator, 1)
