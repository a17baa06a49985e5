from django.apps import AppConfig


class AppealsConfig(AppConfig):
    name = "abusedesk.appeals"
    label = "appeals"
    verbose_name = "Appeals (DSA Art. 20)"
