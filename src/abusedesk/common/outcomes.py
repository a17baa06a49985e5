"""What a decision's outcomes are called where people read them (notices, status and appeal pages, statements of
reasons): one leaf module, so the public pages below the case core and enforcement above it use the same words."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

OUTCOME_LABELS = {
    "no_action": _("No action"),
    "warn_customer": _("Warning"),
    "restrict": _("Restriction of access (interstitial or geo-block)"),
    "forward_to_host": _("Notice forwarded to the hosting provider"),
    "suspend_service": _("Suspension of our service"),
    "terminate_service": _("Termination of our service"),
    "refer_to_law_enforcement": _("Referral to law enforcement"),
}
