"""What intake announces to the stages above it (wired in `abusedesk.pipeline.flow`).

`checking_reporter` is sent before a submission is stored; a receiver refuses it by raising `ReporterSuspended`
(the misuse rule). `report_accepted` is sent inside the transaction that stores the report, so the job that
processes it is enqueued exactly when the report is committed.
"""

from __future__ import annotations

from django.dispatch import Signal

# email_index=str, token=ApiToken|None
checking_reporter = Signal()
# report=Report, priority=int
report_accepted = Signal()
