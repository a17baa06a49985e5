from django.urls import path

from abusedesk.shifts import views

app_name = "shifts"
urlpatterns = [
    path("", views.team, name="team"),
    path("me/", views.me, name="me"),
    path("preferences/", views.preferences, name="preferences"),
    path("rotate/", views.rotate, name="rotate"),
    path("rotate/<uuid:request_id>/handled/", views.handled, name="handled"),
    path("reveal/<uuid:evidence_id>/", views.reveal, name="reveal"),
    path("snooze/", views.snooze_nudge, name="snooze"),
]
