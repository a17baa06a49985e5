from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "abusedesk.triage"
    label = "triage"
    verbose_name = "Triage: targets, on-call paging"

    def ready(self) -> None:
        # Severity rules are data: validate them when the desk starts, not when the first report arrives.
        from django.core.exceptions import ImproperlyConfigured

        from abusedesk.triage.rules import RulesError, load_rules

        try:
            load_rules()
        except RulesError as exc:
            raise ImproperlyConfigured(f"severity rules: {exc}") from None
