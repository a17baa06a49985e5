from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class MisuseConfig(AppConfig):
    name = "abusedesk.misuse"
    label = "misuse"
    verbose_name = "Misuse of the notice system (DSA Art. 23)"

    def ready(self) -> None:
        from abusedesk.misuse import policy
        from abusedesk.misuse.models import MisuseStep

        # Intake's cached answer to "is this reporter suspended?" goes when a step is made or changed.
        post_save.connect(policy.forget_owner, sender=MisuseStep, dispatch_uid="abusedesk.misuse.step_saved")
        post_delete.connect(policy.forget_owner, sender=MisuseStep, dispatch_uid="abusedesk.misuse.step_deleted")
