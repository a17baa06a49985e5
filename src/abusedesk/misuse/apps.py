from django.apps import AppConfig


class MisuseConfig(AppConfig):
    name = "abusedesk.misuse"
    label = "misuse"
    verbose_name = "Misuse of the notice system (DSA Art. 23)"
