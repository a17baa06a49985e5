"""What arrives: the raw Submission (bytes exactly as received, encrypted at rest, with SHA-256), the
Reporter (identity encrypted, e-mail reachable only through a blind index) and the normalised Report."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models

from abusedesk.common.fields import EncryptedBinaryField, EncryptedTextField


class Channel(models.TextChoices):
    API = "api", "REST API"
    WEB = "web", "Web form"
    EMAIL = "email", "Email"


class ReporterKind(models.TextChoices):
    INDIVIDUAL = "individual", "Individual"
    TRUSTED_FLAGGER = "trusted_flagger", "Trusted flagger (DSA Art. 22)"
    AUTHORITY = "authority", "Authority (DSA Art. 9)"
    RIGHTS_HOLDER = "rights_holder", "Rights holder"
    AUTOMATED = "automated", "Automated feed"


# Kinds that carry weight (the authority or trusted lane, an order's checks): only a token grants them.
WEIGHTY_KINDS = frozenset({ReporterKind.TRUSTED_FLAGGER, ReporterKind.AUTHORITY})


class Reporter(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # What we know the reporter is: authority and trusted flagger only from their API token (never self-declared).
    kind = models.CharField(max_length=20, choices=ReporterKind.choices, default=ReporterKind.INDIVIDUAL)
    name = EncryptedTextField(null=True)
    email = EncryptedTextField(null=True)
    phone = EncryptedTextField(null=True)
    # HMAC of the normalised e-mail: finds the same reporter again without storing the address in clear.
    email_index = models.CharField(max_length=64, null=True, db_index=True)  # noqa: DJ001 - NULL: no e-mail
    # Set when the reporter submits with a trusted-flagger or authority API token.
    token = models.ForeignKey("accounts.ApiToken", null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the mailbox owner first confirmed a notice from the link in its receipt: the e-mail is a verified identity.
    email_confirmed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:  # never the identity
        return f"reporter {self.id}"


class ImmutableError(RuntimeError):
    """Raised when code tries to change or delete a stored submission."""


class Submission(models.Model):
    """Raw bytes exactly as received. Written once; never updated or deleted by the application."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    content_type = models.CharField(max_length=200, blank=True)
    raw = EncryptedBinaryField()
    raw_sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveIntegerField()
    # Blind index of the client address: rate and misuse statistics without storing the address.
    client_index = models.CharField(max_length=64, blank=True)
    token = models.ForeignKey("accounts.ApiToken", null=True, blank=True, on_delete=models.SET_NULL)

    _allow_rewrap = False

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding and not self._allow_rewrap:
            raise ImmutableError("submissions are immutable once stored")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableError("submissions are never deleted by the application")


class Category(models.TextChoices):
    THREAT = "threat", "Threat of violence"
    DOXXING = "doxxing", "Doxxing (personal data of a private person)"
    HARASSMENT = "harassment", "Targeted harassment"
    HATE = "hate", "Hate speech"
    CSAM = "csam", "Child sexual abuse material"
    TERRORISM = "terrorism", "Terrorist content"
    NCII = "ncii", "Non-consensual intimate imagery"
    SCAM = "scam", "Scam, fraud or phishing"
    MALWARE = "malware", "Malware"
    SPAM = "spam", "Spam"
    IP = "intellectual_property", "Intellectual property"
    OTHER = "other", "Other"


class Share(models.TextChoices):
    SEND = "send", "Send my identity"
    ANONYMOUS = "anonymous", "Send anonymously"
    NONE = "none", "Do not send"


class Lane(models.TextChoices):
    NORMAL = "normal", "Normal"
    TRUSTED = "trusted", "Trusted flagger"
    AUTHORITY = "authority", "Authority order"


class ReportStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    IN_CASE = "in_case", "Under review"
    NOT_OUR_CUSTOMER = "not_our_customer", "Not our customer"
    CLOSED = "closed", "Closed"


# Notices that only acknowledge a report (held back from a sender over the receipt rate); `RATE_HELD` is that reason.
ACKNOWLEDGEMENTS = frozenset({"receipt", "not_our_customer"})
RATE_HELD = "rate_limited"


class Report(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    submission = models.OneToOneField(Submission, on_delete=models.PROTECT, related_name="report")
    reporter = models.ForeignKey(Reporter, on_delete=models.PROTECT, related_name="reports")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    lane = models.CharField(max_length=10, choices=Lane.choices, default=Lane.NORMAL)
    # What the reporter said they are ("reporter.kind" in the body): a claim, shown to reviewers, never trusted.
    claimed_kind = models.CharField(max_length=20, choices=ReporterKind.choices, blank=True)
    category = models.CharField(max_length=30, choices=Category.choices)
    # [{"url": normalised URL, "host": A-label, "host_unicode": U-label, "ip": literal or null}]
    urls = models.JSONField()
    explanation = EncryptedTextField()
    language = models.CharField(max_length=8, blank=True)
    good_faith = models.BooleanField()
    share_host = models.CharField(max_length=10, choices=Share.choices, default=Share.NONE)
    share_site_owner = models.CharField(max_length=10, choices=Share.choices, default=Share.NONE)
    share_law_enforcement = models.CharField(max_length=10, choices=Share.choices, default=Share.NONE)
    status = models.CharField(max_length=20, choices=ReportStatus.choices, default=ReportStatus.RECEIVED)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="reports", db_index=False)  # indexed by report_case_received (Meta)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # Authority orders (DSA Art. 9): the order's elements as submitted, and what is missing from them.
    order = models.JSONField(null=True, blank=True)
    order_problems = models.JSONField(default=list)
    # DSA Art. 23: set by an analyst when the notice is manifestly unfounded.
    manifestly_unfounded = models.BooleanField(default=False)
    # When the owner of the reporter's mailbox confirmed THIS notice is theirs (intake/confirm.py). Only confirmed
    # notices (or a token's) count towards suspending an e-mail identity (DSA Art. 23).
    reporter_confirmed_at = models.DateTimeField(null=True, blank=True)
    # Why notices to the reporter are held back for this report (e-mail intake, intake/email/receipts.py): a robot
    # sender (auto-reply, noreply, automated) gets none at all; a sender over the receipt rate gets no
    # acknowledgements but still hears of the decision (DSA Art. 16(5)). Empty: notices go as usual.
    reporter_notices_held = models.CharField(max_length=20, blank=True)
    # When a job worker's screening pass read the report while it waited to be filed (pipeline/screen.py): a text
    # that alone is S0 gets its filing job moved to the front of the queue.
    screened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "received_at"]), models.Index(fields=["category"]),
                   models.Index(fields=["received_at"], name="report_awaiting_screen",
                                condition=models.Q(status="received", screened_at__isnull=True)),
                   # A case's reports in the case page's order (and every look-up by case: it replaces the foreign
                   # key's own index). Without it, PostgreSQL read the first page of a 20,000-report campaign by
                   # walking received_at over every report of the desk (bench/console.py).
                   models.Index(fields=["case", "received_at", "id"], name="report_case_received")]

    def __str__(self) -> str:
        return f"report {self.id}"

    @property
    def primary_url(self) -> str:
        return self.urls[0]["url"] if self.urls else ""

    def reporter_notice_allowed(self, kind: str) -> bool:
        """Whether a notice of this kind may go to the reporter (`reporter_notices_held` says why not)."""
        if not self.reporter_notices_held:
            return True
        return self.reporter_notices_held == RATE_HELD and kind not in ACKNOWLEDGEMENTS


class IdempotencyKey(models.Model):
    """The first answer given for (scope, key); a retry with the same body gets the same report."""

    scope = models.CharField(max_length=80)
    key = models.CharField(max_length=200)
    body_sha256 = models.CharField(max_length=64)
    report = models.ForeignKey(Report, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_unique_key")]


class InboundSource(models.TextChoices):
    SMTP = "smtp", "SMTP listener"
    FILE = "file", "abusedesk mail ingest"
    IMAP = "imap", "IMAP mailbox"
    MAILDIR = "maildir", "Maildir"


class InboundStatus(models.TextChoices):
    RECEIVED = "received", "Received, not yet read"
    PROCESSED = "processed", "Read: reports filed or attached"
    DUPLICATE = "duplicate", "The same message was delivered before"
    IGNORED = "ignored", "Nothing to file (auto-reply, bounce, empty)"
    FAILED = "failed", "Could not be read (see result)"


class InboundMessage(models.Model):
    """An e-mail exactly as received, stored (encrypted) before it is acknowledged (SMTP 250, `mail ingest`).

    A job (`intake.email.tasks.process_inbound`) reads it afterwards: parses it into reports through the same
    `accept()` as the form and the API, or attaches it to the report it answers. Written once; only `status`,
    `processed_at`, `result`, `report`, `dedupe_key` and `parsed` change when it is read; `reviewed_at` and
    `reviewed_by` when an analyst files or dismisses it in the console's mailbox."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    source = models.CharField(max_length=10, choices=InboundSource.choices)
    raw = EncryptedBinaryField()
    raw_sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveIntegerField()
    # The Message-ID header as sent (not personal data on its own; used to find duplicates and threads).
    message_id = models.CharField(max_length=500, blank=True, db_index=True)
    # JSON: {"mail_from": ..., "rcpt_tos": [...], "peer": ...}; the envelope names the sender, so it is encrypted.
    envelope = EncryptedTextField(default="{}")
    status = models.CharField(max_length=10, choices=InboundStatus.choices, default=InboundStatus.RECEIVED)
    processed_at = models.DateTimeField(null=True, blank=True)
    # What reading it did: report ids, the reason it was ignored or failed (never an address or the body).
    result = models.JSONField(default=dict)
    # The report this message filed, or the one it answers (a reply to a notice), or a duplicate's original's.
    report = models.ForeignKey(Report, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="inbound_messages")
    # SHA-256 of (Message-ID, body) -- or of the raw bytes when there is no Message-ID -- held by the first copy
    # read: a second delivery of the same message cannot take it, so it is a duplicate (one report).
    dedupe_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # What the reader found, for the console (JSON): the sender, authentication results, the format's fields, the
    # attachments listed. Encrypted: it names the sender.
    parsed = EncryptedTextField(null=True, blank=True)  # NULL: not read yet
    # A message that filed nothing is shown in the console's mailbox (review/mailbox.py) until an analyst files it
    # as a report or dismisses it: who did, and when.
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        indexes = [
            models.Index(fields=["status", "received_at"]),
            # The mailbox: messages nobody has looked at among those that filed nothing (the console's count).
            models.Index(fields=["received_at"], name="inbound_awaiting_look",
                         condition=models.Q(reviewed_at__isnull=True,
                                            status__in=[InboundStatus.RECEIVED, InboundStatus.IGNORED,
                                                        InboundStatus.FAILED])),
        ]
