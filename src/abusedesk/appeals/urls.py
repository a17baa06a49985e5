"""The public appeal page: the secret link in a notice, in the recipient's language (mounted under i18n_patterns)."""

from django.urls import path

from abusedesk.appeals import views

app_name = "appeals"
urlpatterns = [
    path("appeal/<str:token>/", views.appeal_page, name="appeal"),
]
