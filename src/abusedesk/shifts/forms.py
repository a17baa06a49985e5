from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from abusedesk.intake.models import Category
from abusedesk.shifts.models import WellnessProfile


class PreferencesForm(forms.ModelForm):  # type: ignore[type-arg]  # generic in the stubs only
    class Meta:
        model = WellnessProfile
        fields = ["blur_media", "keep_greyscale"]
        labels = {"blur_media": _("Blur and grey evidence images until I choose to look"),
                  "keep_greyscale": _("Keep images grey after I reveal them")}


class RotationForm(forms.Form):
    category = forms.ChoiceField(label=_("Category you want a rest from"), required=False,
                                 choices=[("", _("Any")), *Category.choices])
    queue = forms.CharField(label=_("Queue"), max_length=100, required=False,
                            help_text=_("The queue you are working, if it has a name."))
    note = forms.CharField(label=_("Note for the lead (optional)"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Only leads read it; it is stored encrypted and not written to the audit "
                                       "trail."))
