"""Two workers filing one campaign at once (PostgreSQL: real row locks) never file a report twice, never open two
cases for one site, and never wait on each other's reports (SKIP LOCKED)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from abusedesk.audit.models import AuditEvent
from abusedesk.cases.models import Case, Notice
from abusedesk.intake.models import Report
from abusedesk.jobs.models import DeadLetter
from abusedesk.jobs.worker import run_pending_jobs
from abusedesk.pipeline import batch


@pytest.mark.django_db(transaction=True)
def test_two_workers_file_a_campaign_once(campaign: Any, customers: Any, settings: Any, monkeypatch: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks and SKIP LOCKED are PostgreSQL's; SQLite runs one writer at a time")
    settings.EVIDENCE_CAPTURE = False
    settings.PIPELINE_BATCH_REPORTS = 30
    settings.PIPELINE_BATCH_SECONDS = 600.0
    ids = campaign(150)
    real = batch.create_reporter_notices

    def slow(reports: Any, **kw: Any) -> Any:  # long enough batches that the two workers overlap
        time.sleep(0.05)
        return real(reports, **kw)

    monkeypatch.setattr(batch, "create_reporter_notices", slow)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            run_pending_jobs()
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert set(Report.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"in_case"}
    assert Case.objects.count() == 1 and Case.objects.get().reports_filed == 150
    attributed = list(AuditEvent.objects.filter(verb="report.attributed").values_list("object_id", flat=True))
    assert len(attributed) == 150 and set(attributed) == set(ids)
    assert Notice.objects.filter(kind="receipt").count() == 150
    assert not DeadLetter.objects.exists() and not DBTaskResult.objects.filter(status="FAILED").exists()
    batches = [workers[-1] for value, workers in DBTaskResult.objects.filter(task_path__endswith="process_report")
               .values_list("return_value", "worker_ids")
               if str(value).startswith("filed") and not str(value).startswith("filed in the batch of")]
    # 150 reports, at most 30 a batch. Which worker files which batch is the scheduler's business: on a loaded machine
    # one worker may file them all while the other finds the rest settled (jobs.settle_waiting).
    assert len(batches) >= 5
