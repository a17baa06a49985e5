"""The console's words for stored choices (case and decision status, outcome, role...), in the page's language.

The models keep English labels: the API, notices and the audit trail use them as they are. The console shows them
through `label()` (template filter `console_label` in templatetags/console_i18n.py), which looks each one up in the
translations; the list below is only there so that `makemessages` finds them (tests/review/test_console_languages.py
checks that it names every label of these choices)."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy, gettext_noop

CHOICE_LABELS = (
    # cases.models.CaseStatus
    gettext_noop("Open"), gettext_noop("Awaiting approval"), gettext_noop("Decided"), gettext_noop("Closed"),
    # cases.models.DecisionStatus
    gettext_noop("Approved"), gettext_noop("Effective"), gettext_noop("Voided"), gettext_noop("Reversed on appeal"),
    gettext_noop("Rejected by the second analyst"), gettext_noop("Sent back for changes"),
    # cases.models.Outcome
    gettext_noop("No action"), gettext_noop("Warn customer"), gettext_noop("Restrict (interstitial / geo-block)"),
    gettext_noop("Forward to host"), gettext_noop("Suspend service"), gettext_noop("Terminate service"),
    gettext_noop("Refer to law enforcement"),
    # cases.models.DecisionScope
    gettext_noop("The reported content"), gettext_noop("The whole site (every service of the property)"),
    # evidence.models.CaptureStatus
    gettext_noop("Pending"), gettext_noop("Captured"), gettext_noop("Blocked by fetch policy"), gettext_noop("Failed"),
    # accounts.models.Role
    gettext_noop("Analyst"), gettext_noop("Senior analyst"), gettext_noop("Administrator"), gettext_noop("Auditor"),
    # common.severity.Severity
    gettext_noop("S0 imminent threat to life"), gettext_noop("S1 threat or doxxing"),
    gettext_noop("S2 harassment or hate"), gettext_noop("S3 other"),
    # appeals.models.AppealStatus
    gettext_noop("Pending review"), gettext_noop("Upheld (decision reversed)"),
    gettext_noop("Rejected (decision stands)"),
    # intake.models: Channel, ReporterKind, Category, Share, Lane
    gettext_noop("REST API"), gettext_noop("Web form"), gettext_noop("Email"),
    gettext_noop("Individual"), gettext_noop("Trusted flagger (DSA Art. 22)"), gettext_noop("Authority (DSA Art. 9)"),
    gettext_noop("Rights holder"), gettext_noop("Automated feed"),
    gettext_noop("Threat of violence"), gettext_noop("Doxxing (personal data of a private person)"),
    gettext_noop("Targeted harassment"), gettext_noop("Hate speech"), gettext_noop("Child sexual abuse material"),
    gettext_noop("Terrorist content"), gettext_noop("Non-consensual intimate imagery"),
    gettext_noop("Scam, fraud or phishing"), gettext_noop("Malware"), gettext_noop("Spam"),
    gettext_noop("Intellectual property"), gettext_noop("Other"),
    gettext_noop("Send my identity"), gettext_noop("Send anonymously"), gettext_noop("Do not send"),
    gettext_noop("Normal"), gettext_noop("Trusted flagger"), gettext_noop("Authority order"),
)


def label(value: Any) -> str:
    """A stored choice's label in the current language (unchanged when it has no translation)."""
    text = str(value) if isinstance(value, Promise) else value
    return gettext(text) if isinstance(text, str) and text else text


def lane_label(code: str) -> str:
    """A case's lane (stored as the code of intake.models.Lane) in words."""
    from abusedesk.intake.models import Lane

    return label(dict(Lane.choices).get(code, code))


def choices(pairs: Any) -> list[tuple[str, Any]]:
    """Form choices whose labels follow the language of the request that renders the form."""
    return [(value, gettext_lazy(text)) for value, text in pairs]  # the labels are listed in CHOICE_LABELS
