from django.apps import AppConfig


class WatchConfig(AppConfig):
    name = "abusedesk.watch"
    label = "watch"
    verbose_name = "Watched threads"

    def ready(self) -> None:
        from abusedesk.jobs.schedule import every
        from abusedesk.watch.service import refetch_due_threads

        every("watch.refetch_due_threads", 60, refetch_due_threads)
