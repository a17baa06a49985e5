from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "abusedesk.audit"
    label = "audit"
    verbose_name = "Audit trail"
