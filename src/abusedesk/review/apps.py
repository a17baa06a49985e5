from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "abusedesk.review"
    label = "review"
    verbose_name = "Review console"

    def ready(self) -> None:
        from abusedesk.review import live

        live.connect()  # console events published on commit (Redis), for the live streams
