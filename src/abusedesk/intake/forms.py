"""The public report form: the same fields and checks as the API body (intake/schema.py)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from abusedesk.intake.categories import REPORTER_LABELS
from abusedesk.intake.models import Category
from abusedesk.intake.schema import IntakeError, Problem, ReportDraft, draft_from_fields

FSI, PDI = "\u2068", "\u2069"  # first-strong isolate: a URL or address keeps its own direction inside Arabic

# What intake/schema.py and normalise/urls.py say (for API clients), said to a person filling in the form.
URL_PROBLEMS = {
    "is empty": _("is empty."),
    "contains spaces, control characters or backslashes": _(
        "contains a space, a control character or a backslash. Copy the address from the browser's address bar."),
    "has a malformed host (check the square brackets)": _("has a malformed host name (check the square brackets)."),
    "must start with http:// or https://": _("must start with http:// or https://."),
    "must not contain a user name or password": _("must not contain a user name or password."),
    "has an invalid port": _("has an invalid port number."),
    "has no host name": _("has no host name."),
    "has a host that looks like an IP address written in an unusual form": _(
        "has a host that looks like an IP address written in an unusual form."),
    "has a host name that is not a valid internationalised domain name": _("has a host name that is not valid."),
    "has an invalid host name": _("has a host name that is not valid."),
}

SHARE_CHOICES = [("none", _("Do not send")), ("anonymous", _("Send anonymously")), ("send", _("Send my identity"))]
KIND_CHOICES = [("individual", _("I am the person affected, or reporting for them")),
                ("rights_holder", _("Rights holder"))]


def _required(message: Any) -> dict[str, Any]:
    return {"required": message, "invalid_choice": _("Choose one of the options."),
            "max_length": _("This is too long: at most %(limit_value)d characters (it has %(show_value)d).")}


class ReportForm(forms.Form):
    urls = forms.CharField(label=_("Addresses (URLs) of the content, one per line"),
                           widget=forms.Textarea(attrs={"rows": 3, "dir": "ltr"}), max_length=60_000,
                           error_messages=_required(_("Enter the address (URL) of the content.")))
    category = forms.ChoiceField(label=_("What is wrong with it?"), choices=list(REPORTER_LABELS.items()),
                                 error_messages=_required(_("Choose what is wrong with the content.")))
    explanation = forms.CharField(label=_("Explain why this content is abusive or illegal"),
                                  widget=forms.Textarea(attrs={"rows": 6}),
                                  error_messages=_required(_("Say why the content is abusive or illegal.")))
    reporter_name = forms.CharField(label=_("Your name"), max_length=200, required=False,
                                    widget=forms.TextInput(attrs={"autocomplete": "name"}),  # WCAG 1.3.5
                                    error_messages=_required(""))
    reporter_email = forms.CharField(label=_("Your e-mail (for the receipt and our decision)"), max_length=254,
                                     widget=forms.EmailInput(attrs={"dir": "ltr", "autocomplete": "email"}),
                                     error_messages=_required(_("Enter your e-mail address, like name@example.org.")))
    reporter_kind = forms.ChoiceField(label=_("You are"), choices=KIND_CHOICES, initial="individual")
    share_host = forms.ChoiceField(label=_("The hosting provider"), choices=SHARE_CHOICES, initial="none",
                                   widget=forms.RadioSelect)
    share_site_owner = forms.ChoiceField(label=_("The site owner"), choices=SHARE_CHOICES, initial="none",
                                         widget=forms.RadioSelect)
    share_law_enforcement = forms.ChoiceField(label=_("Law enforcement"), choices=SHARE_CHOICES, initial="none",
                                              widget=forms.RadioSelect)
    good_faith = forms.BooleanField(label=_("I confirm in good faith that the information in this notice is "
                                            "accurate and complete."), required=True,
                                    error_messages=_required(_("Tick this box to confirm the report is accurate.")))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        cast(forms.CharField, self.fields["explanation"]).max_length = settings.INTAKE_MAX_EXPLANATION_CHARS
        assert set(dict(self.fields["category"].choices)) <= set(Category.values)  # type: ignore[attr-defined]
        for name in ("reporter_kind", "share_host", "share_site_owner", "share_law_enforcement"):
            self.fields[name].error_messages.update(_required(_("Choose one of the options.")))
        self.draft: ReportDraft | None = None

    def clean(self) -> dict[str, Any]:
        """Runs the API's checks too, on whatever the person typed, so every problem shows in one round; each
        is said in the page's language, without API field paths, on the field it belongs to."""
        data = super().clean() or {}

        def value(name: str) -> str:
            found = data.get(name)
            return str(found if found is not None else self.data.get(name, ""))

        lines = [line for line in value("urls").splitlines() if line.strip()]
        try:
            self.draft = draft_from_fields(
                urls=lines, category=value("category"), explanation=value("explanation"),
                reporter_name=value("reporter_name"), reporter_email=value("reporter_email"),
                reporter_kind=value("reporter_kind"), reporter_phone="", share_host=value("share_host"),
                share_site_owner=value("share_site_owner"), share_law_enforcement=value("share_law_enforcement"),
                good_faith=bool(data.get("good_faith")), language=self._language())
        except IntakeError as exc:
            for problem in exc.problems:
                field, message = self._human(problem, lines)
                if field is None or field not in self.errors:  # one message per field: the form's own first
                    self.add_error(field, message)
        return data

    def _language(self) -> str:
        return translation.get_language() or "en"

    def _human(self, problem: Problem, lines: list[str]) -> tuple[str | None, str]:
        where, _dot, index = problem.field.partition(".")
        if where == "urls" and index.isdigit():
            detail = URL_PROBLEMS.get(problem.problem, _("is not a valid web address."))
            return "urls", gettext("Line %(line)s, %(url)s, %(problem)s") % {
                "line": int(index) + 1, "url": FSI + lines[int(index)][:200] + PDI, "problem": detail}
        messages: dict[str, tuple[str | None, Any]] = {
            "urls": ("urls", _("Enter at least one address, and at most %(limit)s.")),
            "explanation": ("explanation", _("Say why the content is abusive or illegal, in at most %(limit)s "
                                             "characters.")),
            "reporter.email": ("reporter_email", _("Enter your e-mail address, like name@example.org.")),
            "reporter.name": ("reporter_name", _("Write your name on one line.")),
            "good_faith": ("good_faith", _("Tick this box to confirm the report is accurate.")),
        }
        field, message = messages.get(problem.field, (None, _("Something in the report is not valid.")))
        limit = settings.INTAKE_MAX_URLS if field == "urls" else settings.INTAKE_MAX_EXPLANATION_CHARS
        return field, str(message) % {"limit": limit} if "%(limit)s" in str(message) else str(message)
