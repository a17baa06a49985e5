from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "abusedesk.pipeline"
    label = "pipeline"
    verbose_name = "Pipeline"

    def ready(self) -> None:
        # Enforcement backends register their system checks (e.g. the control-plane URL) at start-up.
        from abusedesk.enforcement import webhook_action  # noqa: F401
        from abusedesk.pipeline import flow

        flow.connect()
        # Runs of `abusedesk assess --case` killed outright get their end event (assess/progress.py): the assess stage
        # is not an app, so its periodic job is registered here, where the stages are wired together.
        from abusedesk.assess.progress import CLOSE_EVERY, close_stale_runs
        from abusedesk.jobs.schedule import every

        every("assess.close_stale_runs", CLOSE_EVERY, close_stale_runs)
