from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "abusedesk.triage"
    label = "triage"
    verbose_name = "Triage: targets, on-call paging"
