from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "abusedesk.jobs"
    label = "jobs"
    verbose_name = "Jobs"
