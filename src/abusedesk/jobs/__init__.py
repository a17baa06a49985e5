"""The one seam between abusedesk and its job library.

Stages define jobs with `@job(...)` and enqueue them with `enqueue(...)`; nothing else imports the task
library. Today that library is Django's task API (the `django-tasks` backport) with the ORM backend
`django-tasks-db`: enqueueing inserts a row in the caller's transaction, so a job exists exactly when the
data it concerns was committed, and survives any crash after that. This module adds what the library
lacks: retries with exponential backoff and a dead-letter record, severity priorities, delayed runs,
leases (a killed worker's job is handed to another worker) and periodic schedules (jobs/schedule.py).
"""

from abusedesk.jobs.core import Priority, RetryLater, enqueue, job, priority_for_severity, raise_waiting, settle_waiting

__all__ = ["Priority", "RetryLater", "enqueue", "job", "priority_for_severity", "raise_waiting", "settle_waiting"]
