"""The report categories as reporters read them, translatable: the web form's choices and the category line
of every notice to a reporter use these, so a Spanish receipt says "Amenaza de violencia", not the English
label stored with the report (`Category` in models.py, which the database and the API use)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

REPORTER_LABELS = {
    "threat": _("Threat of violence"), "doxxing": _("Doxxing (someone's private details)"),
    "harassment": _("Targeted harassment"), "hate": _("Hate speech"),
    "csam": _("Child sexual abuse material"), "terrorism": _("Terrorist content"),
    "ncii": _("Intimate images shared without consent"), "scam": _("Scam, fraud or phishing"),
    "malware": _("Malware"), "spam": _("Spam"), "intellectual_property": _("Intellectual property"),
    "other": _("Something else"),
}
