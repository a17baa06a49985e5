from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class AccountsConfig(AppConfig):
    name = "abusedesk.accounts"
    label = "accounts"
    verbose_name = "Staff accounts and API tokens"

    def ready(self) -> None:
        from abusedesk.accounts import tokens
        from abusedesk.accounts.models import ApiToken, User

        # A cached token must not outlive its revocation or its owner's deactivation (accounts/tokens.py).
        post_save.connect(tokens.forget_token, sender=ApiToken, dispatch_uid="abusedesk.tokens.saved")
        post_delete.connect(tokens.forget_token, sender=ApiToken, dispatch_uid="abusedesk.tokens.deleted")
        post_save.connect(tokens.forget_owner, sender=User, dispatch_uid="abusedesk.tokens.owner_saved")
