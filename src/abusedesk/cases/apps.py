from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "abusedesk.cases"
    label = "cases"
    verbose_name = "Cases and decisions"

    def ready(self) -> None:
        # A DSN naming one of our notices (intake/email/bounces.py) is recorded on the notice here.
        from abusedesk.cases.actions.bounces import on_notice_bounced
        from abusedesk.intake import signals as intake_signals

        intake_signals.notice_bounced.connect(on_notice_bounced, dispatch_uid="abusedesk.cases.notice_bounced")
