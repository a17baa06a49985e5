"""Case state. Only the do_* functions of cases/actions/ write these tables (see that package's docstring)."""

from __future__ import annotations

import builtins
import json
import math
import uuid
from typing import Any

from django.conf import settings
from django.db import models

from abusedesk.common.fields import EncryptedTextField
from abusedesk.common.severity import Severity


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    DECIDED = "decided", "Decided"
    CLOSED = "closed", "Closed"


class Case(models.Model):
    title = models.CharField(max_length=300)
    severity = models.CharField(max_length=2, choices=Severity.choices, default=Severity.S3)
    severity_rank = models.PositiveSmallIntegerField(default=3, db_index=True)
    severity_reason = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    lane = models.CharField(max_length=10, default="normal")
    lane_rank = models.PositiveSmallIntegerField(default=2)
    # What groups reports into this case, e.g. "url:https://forum.test/threads/1" or "property:<uuid>".
    group_key = models.CharField(max_length=600, db_index=True)
    customer = models.ForeignKey("attribution.Customer", null=True, blank=True, on_delete=models.SET_NULL)
    property = models.ForeignKey("attribution.Property", null=True, blank=True, on_delete=models.SET_NULL)
    opened_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Kept by the filing do_* functions (cases/actions/filing.py), so a list shows them without counting rows:
    # the reports filed here, when the last one was, the reports of the last CAMPAIGN_WINDOW_SECONDS decayed
    # exponentially (each report counts exp(-age / window), as of last_report_at), and when the reports received
    # within one window first reached CAMPAIGN_REPORTS (a campaign; never cleared).
    reports_filed = models.PositiveIntegerField(default=0)
    last_report_at = models.DateTimeField(null=True, blank=True)
    recent_reports = models.FloatField(default=0.0)
    campaign_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The console queue's order, ending in id so that a position in it is unique (keyset pages): one index
        # for a chosen status, and a partial one for the default view (everything not closed) that closed cases,
        # the bulk of the table over time, do not enter.
        indexes = [
            models.Index(fields=["status", "severity_rank", "lane_rank", "opened_at", "id"],
                         name="case_queue_status_idx"),
            models.Index(fields=["severity_rank", "lane_rank", "opened_at", "id"], name="case_queue_open_idx",
                         condition=~models.Q(status="closed")),
        ]

    def __str__(self) -> str:
        return f"C-{self.pk}"

    @builtins.property  # the field above shadows the builtin inside this class body
    def ref(self) -> str:
        return f"C-{self.pk}"

    @builtins.property
    def is_campaign(self) -> bool:
        """Many reports about one site within a window (settings.CAMPAIGN_REPORTS within CAMPAIGN_WINDOW_SECONDS)."""
        return self.campaign_since is not None

    def recent_reports_at(self, now: Any) -> float:
        """The decayed count of recent reports, decayed further to `now`."""
        if self.last_report_at is None:
            return 0.0
        age = max(0.0, (now - self.last_report_at).total_seconds())
        return self.recent_reports * math.exp(-age / window_seconds())

    @builtins.property
    def reports_per_hour(self) -> float:
        """Reports per hour lately: at a steady rate r the decayed count settles at r x window, so this is r; a
        burst of n reports just now reads n per window."""
        from django.utils import timezone

        return self.recent_reports_at(timezone.now()) * 3600.0 / window_seconds()


def window_seconds() -> float:
    return float(max(1, int(settings.CAMPAIGN_WINDOW_SECONDS)))


class Finding(models.Model):
    """A detector's output on report text or evidence text (filled by the detection stage).

    Spans are offsets into the (encrypted) text they came from; the explanation can quote the words that
    drove a score — an address, a name — so it is encrypted too.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="findings")
    report = models.ForeignKey("intake.Report", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="findings")
    evidence = models.ForeignKey("evidence.Evidence", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="findings")
    source = models.CharField(max_length=20, default="report_text")
    detector = models.CharField(max_length=100)
    detector_version = models.CharField(max_length=40)
    category = models.CharField(max_length=30)
    score = models.FloatField()
    # [{"start", "end", "type"}] offsets into the original text (the text itself stays encrypted).
    spans = models.JSONField(default=list)
    explanation_json = EncryptedTextField(default="{}")
    created_at = models.DateTimeField(auto_now_add=True)

    @builtins.property
    def explanation(self) -> dict[str, Any]:
        value = json.loads(self.explanation_json or "{}")
        return value if isinstance(value, dict) else {"items": value}


class Ground(models.TextChoices):
    ILLEGAL = "illegal_content", "Illegal content"
    TERMS = "incompatible_content", "Incompatible with our terms"


class PolicyClause(models.Model):
    """A versioned clause of our terms or a legal ground; every decision cites one."""

    code = models.SlugField(max_length=80)
    version = models.PositiveIntegerField(default=1)
    title = models.CharField(max_length=300)
    text = models.TextField()
    ground = models.CharField(max_length=30, choices=Ground.choices)
    dsa_category = models.CharField(max_length=80)
    keywords = models.JSONField(default=list)
    legal_reference = models.CharField(max_length=500, blank=True)
    reference_url = models.URLField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="policy_unique_version")]
        ordering = ["code", "-version"]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class Outcome(models.TextChoices):
    NO_ACTION = "no_action", "No action"
    WARN = "warn_customer", "Warn customer"
    RESTRICT = "restrict", "Restrict (interstitial / geo-block)"
    FORWARD = "forward_to_host", "Forward to host"
    SUSPEND = "suspend_service", "Suspend service"
    TERMINATE = "terminate_service", "Terminate service"
    REFER = "refer_to_law_enforcement", "Refer to law enforcement"


# Outcomes that need a second person's approval before anything is carried out.
FOUR_EYES_OUTCOMES = frozenset({Outcome.SUSPEND, Outcome.TERMINATE})


class DecisionScope(models.TextChoices):
    """What the decision judges. Enforcement acts on the case's property either way (an infrastructure provider
    cannot remove one post); a decision about the whole site says so in the statement of reasons and may cite a
    site assessment (`abusedesk assess --case`) as its evidence."""

    CONTENT = "content", "The reported content"
    SITE = "site", "The whole site (every service of the property)"


# Evidence.headers["kind"] of a site assessment stored on a case (assess/store.py); a decision may cite one.
SITE_ASSESSMENT = "site-assessment"


class Automation(models.TextChoices):
    NOT_AUTOMATED = "not_automated", "Not automated"
    PARTIALLY = "partially", "Partially automated"
    FULLY = "fully", "Fully automated"


class DecisionStatus(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    APPROVED = "approved", "Approved"
    EFFECTIVE = "effective", "Effective"
    VOIDED = "voided", "Voided"
    REVERSED = "reversed", "Reversed on appeal"
    REJECTED = "rejected", "Rejected by the second analyst"
    SENT_BACK = "sent_back", "Sent back for changes"


class DecisionQuerySet(models.QuerySet["Decision"]):
    def published(self) -> DecisionQuerySet:
        """The decisions a reporter's status page shows: in effect or reversed, the latest first."""
        return self.filter(status__in=[DecisionStatus.EFFECTIVE, DecisionStatus.REVERSED]).order_by("-effective_at")


class Decision(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(max_length=30, choices=Outcome.choices)
    policy = models.ForeignKey(PolicyClause, on_delete=models.PROTECT)
    ground = models.CharField(max_length=30, choices=Ground.choices)
    reasoning = models.TextField()
    facts = models.TextField(blank=True)
    automated_detection = models.BooleanField(default=False)
    automated_decision = models.CharField(max_length=20, choices=Automation.choices,
                                          default=Automation.NOT_AUTOMATED)
    territorial_scope = models.JSONField(default=list)
    duration_days = models.PositiveIntegerField(null=True, blank=True)
    # Hours between taking effect and carrying out the actions (the customer can contest meanwhile).
    notice_hours = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=20, choices=DecisionStatus.choices)
    # SHA-256 of the canonical action payload; approvals are bound to it.
    payload_hash = models.CharField(max_length=64)
    requires_senior = models.BooleanField(default=False)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)
    effective_at = models.DateTimeField(null=True, blank=True)
    # Why the second analyst rejected it or sent it back (shown to the requester; also in the audit event).
    returned_reason = models.TextField(blank=True)
    # Unique once set: concurrent "execute" requests carry out a decision exactly once.
    execution_key = models.CharField(max_length=80, null=True, blank=True, unique=True)
    # S0 emergency path: carried out without waiting for approval, audited, and reviewed afterwards.
    emergency = models.BooleanField(default=False)
    emergency_reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                              on_delete=models.PROTECT, related_name="+")
    reversed_at = models.DateTimeField(null=True, blank=True)
    scope = models.CharField(max_length=10, choices=DecisionScope.choices, default=DecisionScope.CONTENT)
    # The site assessment of this case the decision relies on; its profile hash is in the payload approvals bind to.
    cited_assessment = models.ForeignKey("evidence.Evidence", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="citing_decisions")
    # One decision form applied to several cases in the console (review/bulk.py): the decisions made together share
    # this id, always wait for a second analyst, and can be approved together (each still gets its own Approval).
    bulk_id = models.UUIDField(null=True, blank=True, db_index=True)

    objects = DecisionQuerySet.as_manager()


class Approval(models.Model):
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    payload_hash = models.CharField(max_length=64)
    approved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["decision", "approver"], name="approval_once_per_person")]


class ActionStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    HELD = "held", "Held while an appeal is reviewed"
    REVERSED = "reversed", "Reversed"


class Action(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="actions")
    kind = models.CharField(max_length=60)
    payload = models.JSONField()
    idempotency_key = models.CharField(max_length=120, unique=True)
    status = models.CharField(max_length=10, choices=ActionStatus.choices, default=ActionStatus.PLANNED)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    performed_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict)


class RecipientRole(models.TextChoices):
    REPORTER = "reporter", "Reporter"
    CUSTOMER = "customer", "Customer"
    HOST = "host", "Host"
    AUTHORITY = "authority", "Authority"


class NoticeStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    UNCERTAIN = "uncertain", "Uncertain (worker stopped mid-send; check before resending)"
    FAILED = "failed", "Failed"
    BOUNCED = "bounced", "Bounced (the recipient's mail system returned it; see last_error)"


class Notice(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=40)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="notices")
    report = models.ForeignKey("intake.Report", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="notices")
    decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="notices")
    recipient_role = models.CharField(max_length=10, choices=RecipientRole.choices)
    channel = models.CharField(max_length=10, default="email")
    language = models.CharField(max_length=8, default="en")
    to_address = EncryptedTextField()
    subject = EncryptedTextField()
    body = EncryptedTextField()
    status = models.CharField(max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.PENDING)
    idempotency_key = models.CharField(max_length=120, unique=True)
    message_id = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
