"""One delivery job for a filing job's notices: sent over one mail connection a step at a time, a failing notice
handed to a job of its own, and at most once as before (a notice left `sending` is uncertain, never resent)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.mail import EmailMessage

from abusedesk.cases.models import Notice
from abusedesk.enforcement.notices import deliver_notices
from abusedesk.jobs.worker import run_pending_jobs
from abusedesk.pipeline.tasks import process_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(campaign: Any, customers: Any, settings: Any) -> list[str]:
    """30 receipts queued by one filing job, not delivered yet."""
    settings.EVIDENCE_CAPTURE = False
    settings.PIPELINE_BATCH_SECONDS = 600.0
    ids = campaign(30)
    process_report.call(ids[0])
    return [str(pk) for pk in Notice.objects.order_by("created_at").values_list("pk", flat=True)]


def test_a_notice_that_fails_goes_on_alone_and_the_rest_are_sent(queued: list[str], monkeypatch: Any) -> None:
    real = EmailMessage.send

    def send(message: EmailMessage, *args: Any, **kw: Any) -> int:
        if message.to == ["reader3@mail.test"]:
            raise ConnectionResetError("the relay hung up")
        return int(real(message, *args, **kw))

    monkeypatch.setattr(EmailMessage, "send", send)
    assert deliver_notices.call(queued) == "1 retried alone, 29 sent"
    failed = Notice.objects.get(status="pending")
    assert failed.last_error == "ConnectionResetError" and len(mail.outbox) == 29
    monkeypatch.undo()
    run_pending_jobs()
    assert Notice.objects.filter(status="sent").count() == 30 and len(mail.outbox) == 30


def test_a_rerun_sends_nothing_twice_and_leaves_what_was_in_flight_to_a_person(queued: list[str]) -> None:
    Notice.objects.filter(pk=queued[0]).update(status="sending")  # a worker stopped while sending this one
    assert deliver_notices.call(queued) == "29 sent, 1 uncertain"
    assert deliver_notices.call(queued) == "29 already sent, 1 uncertain"
    assert Notice.objects.get(pk=queued[0]).status == "uncertain" and len(mail.outbox) == 29
