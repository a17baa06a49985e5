from django.apps import AppConfig


class ShiftsConfig(AppConfig):
    name = "abusedesk.shifts"
    label = "shifts"
    verbose_name = "Reviewer wellness"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from abusedesk.shifts.exposure import start_shift_on_login

        user_logged_in.connect(start_shift_on_login, dispatch_uid="shifts-start-on-login")
