"""Detection stage: multilingual detectors for threats, doxxing, harassment and hate (pure Python, no Django).

Public API: `abusedesk.detection.api.analyse` / `analyse_many` (re-exported here lazily so that importing
the package stays cheap).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from abusedesk.detection.api import AnalysisResult, analyse, analyse_many

__all__ = ["AnalysisResult", "analyse", "analyse_many"]


def __getattr__(name: str) -> object:
    if name in __all__:
        from abusedesk.detection import api

        return getattr(api, name)
    raise AttributeError(name)
