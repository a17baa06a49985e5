from __future__ import annotations

from typing import Any

from django import forms

from abusedesk.cases.actions.severity import MAX_SEVERITY_REASON
from abusedesk.cases.models import Outcome, PolicyClause
from abusedesk.common.severity import Severity


class PolicyChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: PolicyClause) -> str:
        return f"{obj.title} ({obj.code} v{obj.version})"


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(choices=Outcome.choices)
    policy = PolicyChoiceField(queryset=PolicyClause.objects.filter(active=True), empty_label="— choose —",
                                    help_text="Every decision cites the clause it relies on.")
    reasoning = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=5000,
                                help_text="Why, in your own words; the customer and reporter see this.")
    facts = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, required=False,
                            help_text="Facts and circumstances relied on (statement of reasons).")
    notice_hours = forms.IntegerField(min_value=0, max_value=24 * 30, required=False, initial=0,
                                      label="Carry out after (hours)",
                                      help_text="0: at once. Otherwise the customer is told and can contest first.")
    emergency = forms.BooleanField(
        required=False, label="Emergency: take effect at once",
        help_text="S0 only, for suspending or terminating: no wait for approval; audited as an emergency and "
                  "reviewed afterwards by a second analyst, who may reverse it.")

    def __init__(self, *args: Any, emergency_allowed: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not emergency_allowed:  # offered on S0 cases only; do_decide refuses it elsewhere anyway
            del self.fields["emergency"]


class CloseForm(forms.Form):
    reason = forms.CharField(max_length=500)


class SeverityForm(forms.Form):
    severity = forms.ChoiceField(choices=Severity.choices)
    reason = forms.CharField(max_length=MAX_SEVERITY_REASON, label="Why",
                             help_text="Shown on the case as the reason for its severity, and audited.")


class EmergencyReviewForm(forms.Form):
    answer = forms.ChoiceField(choices=[("confirm", "Confirm"), ("reverse", "Reverse")])
    reasoning = forms.CharField(max_length=500)
