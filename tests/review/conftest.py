"""Fixtures shared by the console tests."""

from __future__ import annotations

from typing import Any

import pytest

from abusedesk.cases.models import Case
from abusedesk.jobs.worker import run_pending_jobs
from abusedesk.testing.factories import report_body


@pytest.fixture
def case(staff: Any, customers: Any, post_report: Any) -> Case:
    """The case one default report (a threat) is filed into the usual way: S1. A file that needs another report
    defines its own `case`."""
    post_report(report_body())
    run_pending_jobs()
    filed = Case.objects.get()
    assert filed.severity == "S1"
    return filed
