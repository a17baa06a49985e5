from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "abusedesk.api"
    label = "api"
    verbose_name = "REST API"
