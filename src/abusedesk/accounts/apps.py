from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "abusedesk.accounts"
    label = "accounts"
    verbose_name = "Staff accounts and API tokens"
