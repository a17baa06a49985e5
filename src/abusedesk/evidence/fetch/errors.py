"""The one exception the fetcher raises internally; `fetch()` turns it into `FetchResult.reason`."""

from __future__ import annotations


class FetchBlocked(Exception):
    """A fetch stopped for a machine-readable reason (e.g. ``blocked_address:loopback``).

    Raised anywhere inside the fetcher and caught once in `fetch()`, so every stop path ends in the same
    place: a `FetchResult` with ``ok=False`` and this reason. ``detail`` is for humans and logs; it never
    carries response bodies.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
