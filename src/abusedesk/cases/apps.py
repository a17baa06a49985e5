from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "abusedesk.cases"
    label = "cases"
    verbose_name = "Cases, decisions and the audit trail"

    def ready(self) -> None:
        # Enforcement backends register their system checks (e.g. the control-plane URL) at start-up.
        from abusedesk.enforcement import webhook_action  # noqa: F401
