from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "abusedesk.review"
    label = "review"
    verbose_name = "Review console"
