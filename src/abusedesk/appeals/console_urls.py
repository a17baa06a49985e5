"""The console's appeal review (mounted under /console/, beside the review console)."""

from django.urls import path

from abusedesk.appeals import views

app_name = "appeals_console"
urlpatterns = [
    path("appeals/", views.appeal_queue, name="queue"),
    path("appeals/<uuid:appeal_id>/", views.appeal_detail, name="detail"),
    path("appeals/<uuid:appeal_id>/review/", views.appeal_review, name="review"),
]
