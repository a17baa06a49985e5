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
