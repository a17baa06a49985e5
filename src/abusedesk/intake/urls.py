from django.urls import path

from abusedesk.intake import views

app_name = "intake"
urlpatterns = [
    path("report/", views.report_form, name="report"),
    path("report/<uuid:report_id>/", views.thanks, name="thanks"),
    path("report/status/<str:token>/", views.report_status, name="status"),
    path("report/confirm/<str:token>/", views.confirm_report, name="confirm"),
]
