from django.apps import AppConfig


class AttributionConfig(AppConfig):
    name = "abusedesk.attribution"
    label = "attribution"
    verbose_name = "Customers, properties and services"
