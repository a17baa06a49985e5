from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "abusedesk.evidence"
    label = "evidence"
    verbose_name = "Evidence captures"
