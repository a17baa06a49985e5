"""What intake announces to the stages above it (wired in `abusedesk.pipeline.flow`).

`checking_reporter` is sent before a submission is stored; a receiver refuses it by raising `ReporterSuspended`
(the misuse rule). `report_accepted` is sent inside the transaction that stores the report, so the job that
processes it is enqueued exactly when the report is committed. `finding_thread` asks rather than announces: an
e-mail that replies to a notice names the notice's Message-ID, and the stage that sends notices answers which
report that notice was about (intake cannot look at notices itself: they live above it).
"""

from __future__ import annotations

from django.dispatch import Signal

# email_index=str, token=ApiToken|None
checking_reporter = Signal()
# report=Report, priority=int
report_accepted = Signal()
# message_ids=list[str]; a receiver returns the id of the report a reporter notice with one of these Message-IDs
# was about, or None (intake/email/threads.py).
finding_thread = Signal()
# notice_id=str, message_id=str (as we made it), outcome="failed"|"delayed"|"delivered", status=str ("5.1.1" or ""),
# diagnostic=str (remote text, at most 200 chars), inbound_id=str; a receiver records the outcome on the notice with
# that id and Message-ID and returns {"changed": bool, "role": str}, or None when there is no such notice
# (intake/email/bounces.py).
notice_bounced = Signal()
