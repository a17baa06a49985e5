from __future__ import annotations

from django import forms

from abusedesk.cases.models import Outcome, PolicyClause


class PolicyChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: PolicyClause) -> str:  # type: ignore[override]
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


class CloseForm(forms.Form):
    reason = forms.CharField(max_length=500)
