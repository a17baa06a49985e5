from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "abusedesk.intake"
    label = "intake"
    verbose_name = "Intake: submissions, reports, reporters"
