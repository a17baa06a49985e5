from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "abusedesk.cases"
    label = "cases"
    verbose_name = "Cases and decisions"
