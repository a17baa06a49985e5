from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "abusedesk.referrals"
    label = "referrals"
    verbose_name = "Law-enforcement referrals"
