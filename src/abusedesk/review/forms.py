from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from abusedesk.cases.actions.severity import MAX_SEVERITY_REASON
from abusedesk.cases.models import SITE_ASSESSMENT, Case, DecisionScope, Outcome, PolicyClause
from abusedesk.common.severity import Severity
from abusedesk.evidence.models import Evidence
from abusedesk.review.labels import choices, label


class PolicyChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: PolicyClause) -> str:
        return f"{obj.title} ({obj.code} v{obj.version})"


class AssessmentChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Evidence) -> str:
        when = obj.fetched_at.strftime("%Y-%m-%d") if obj.fetched_at else gettext("undated")
        return gettext("site assessment %(hash)s, %(when)s (%(posts)s posts)") % {
            "hash": obj.body_sha256[:12], "when": when, "posts": f"{(obj.headers or {}).get('posts', 0):,}"}


def site_assessments(case: Case) -> Any:
    """The site assessments stored on the case, the latest first, without their (encrypted) bodies."""
    return (Evidence.objects.filter(case=case, headers__kind=SITE_ASSESSMENT, status="captured")
            .defer("body", "text").order_by("-fetched_at", "-created_at"))


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(choices=choices(Outcome.choices), label=_("Outcome"))
    policy = PolicyChoiceField(queryset=PolicyClause.objects.filter(active=True), empty_label=_("— choose —"),
                               label=_("Policy"), help_text=_("Every decision cites the clause it relies on."))
    reasoning = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=5000, label=_("Reasoning"),
                                help_text=_("Why, in your own words; the customer and reporter see this."))
    facts = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, required=False,
                            label=_("Facts"), help_text=_("Facts and circumstances relied on (statement of reasons)."))
    notice_hours = forms.IntegerField(min_value=0, max_value=24 * 30, required=False, initial=0,
                                      label=_("Carry out after (hours)"),
                                      help_text=_("0: at once. Otherwise the customer is told and can contest first."))
    emergency = forms.BooleanField(
        required=False, label=_("Emergency: take effect at once"),
        help_text=_("S0 only, for suspending or terminating: no wait for approval; audited as an emergency and "
                    "reviewed afterwards by a second analyst, who may reverse it."))

    scope = forms.ChoiceField(
        choices=choices(DecisionScope.choices), required=False, initial=DecisionScope.CONTENT, widget=forms.RadioSelect,
        label=_("The decision is about"),
        help_text=_("Either way the measure applies to the case's property; the statement of reasons says which."))
    assessment = AssessmentChoiceField(
        queryset=Evidence.objects.none(), required=False, empty_label=_("— none —"), label=_("Cite site assessment"),
        help_text=_("Its counts, rates, period and profile SHA-256 go into the statement of reasons (no names, no "
                    "post text). Only for a decision about the whole site."))

    def __init__(self, *args: Any, case: Case, emergency_allowed: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        if not emergency_allowed:  # offered on S0 cases only; do_decide refuses it elsewhere anyway
            del self.fields["emergency"]
        field = self.fields["assessment"]
        assert isinstance(field, AssessmentChoiceField)
        field.queryset = site_assessments(case)
        field.error_messages["invalid_choice"] = gettext(
            "Cite site assessment: not a site assessment stored on %(case)s; choose one of this case's.") % {
            "case": case.ref}
        if not self.is_bound and not field.queryset.exists():  # nothing to cite: not offered (a POST is checked)
            del self.fields["assessment"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["scope"] = data.get("scope") or DecisionScope.CONTENT
        if data.get("assessment") is not None and data["scope"] != DecisionScope.SITE:
            self.add_error("scope", gettext("A decision citing a site assessment is about the whole site: choose "
                                            "“%(scope)s”.") % {"scope": label(DecisionScope.SITE.label)})
        return data


class CloseForm(forms.Form):
    reason = forms.CharField(max_length=500, label=_("Reason"))


class SeverityForm(forms.Form):
    severity = forms.ChoiceField(choices=choices(Severity.choices), label=_("Severity"))
    reason = forms.CharField(max_length=MAX_SEVERITY_REASON, label=_("Why"),
                             help_text=_("Shown on the case as the reason for its severity, and audited."))


class EmergencyReviewForm(forms.Form):
    answer = forms.ChoiceField(choices=[("confirm", "Confirm"), ("reverse", "Reverse")])
    reasoning = forms.CharField(max_length=500)
