"""The public report form: the same fields and checks as the API body (intake/schema.py)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from abusedesk.intake.models import Category

SHARE_CHOICES = [("none", _("Do not send")), ("anonymous", _("Send anonymously")), ("send", _("Send my identity"))]
KIND_CHOICES = [("individual", _("I am the person affected, or reporting for them")),
                ("rights_holder", _("Rights holder"))]


class ReportForm(forms.Form):
    urls = forms.CharField(label=_("Addresses (URLs) of the content, one per line"),
                           widget=forms.Textarea(attrs={"rows": 3, "dir": "ltr"}), max_length=60_000)
    category = forms.ChoiceField(label=_("What is wrong with it?"), choices=[
        ("threat", _("Threat of violence")), ("doxxing", _("Doxxing (someone's private details)")),
        ("harassment", _("Targeted harassment")), ("hate", _("Hate speech")),
        ("csam", _("Child sexual abuse material")), ("terrorism", _("Terrorist content")),
        ("ncii", _("Intimate images shared without consent")), ("scam", _("Scam, fraud or phishing")),
        ("malware", _("Malware")), ("spam", _("Spam")), ("intellectual_property", _("Intellectual property")),
        ("other", _("Something else"))])
    explanation = forms.CharField(label=_("Explain why this content is abusive or illegal"),
                                  widget=forms.Textarea(attrs={"rows": 6}))
    reporter_name = forms.CharField(label=_("Your name"), max_length=200, required=False)
    reporter_email = forms.CharField(label=_("Your e-mail (for the receipt and our decision)"), max_length=254)
    reporter_kind = forms.ChoiceField(label=_("You are"), choices=KIND_CHOICES, initial="individual")
    share_host = forms.ChoiceField(label=_("The hosting provider"), choices=SHARE_CHOICES, initial="none",
                                   widget=forms.RadioSelect)
    share_site_owner = forms.ChoiceField(label=_("The site owner"), choices=SHARE_CHOICES, initial="none",
                                         widget=forms.RadioSelect)
    share_law_enforcement = forms.ChoiceField(label=_("Law enforcement"), choices=SHARE_CHOICES, initial="none",
                                              widget=forms.RadioSelect)
    good_faith = forms.BooleanField(label=_("I confirm in good faith that the information in this notice is "
                                            "accurate and complete."), required=True)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["explanation"].max_length = settings.INTAKE_MAX_EXPLANATION_CHARS
        assert set(dict(self.fields["category"].choices)) <= set(Category.values)  # type: ignore[attr-defined]
