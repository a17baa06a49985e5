from django.contrib.auth import views as auth_views
from django.urls import path

from abusedesk.review import views

app_name = "review"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.queue, name="queue"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("cases/<int:case_id>/decide/", views.decide, name="decide"),
    path("cases/<int:case_id>/close/", views.close, name="close"),
    path("cases/<int:case_id>/severity/", views.set_severity, name="severity"),
    path("decisions/<uuid:decision_id>/approve/", views.approve, name="approve"),
    path("decisions/<uuid:decision_id>/return/", views.return_decision, name="return"),
    path("decisions/<uuid:decision_id>/emergency-review/", views.review_emergency, name="emergency-review"),
    path("audit/", views.audit_log, name="audit"),
    path("reauth/", views.reauthenticate, name="reauth"),
    path("reports/<uuid:report_id>/unfounded/", views.mark_unfounded, name="unfounded"),
    path("misuse/", views.misuse, name="misuse"),
    path("not-ours/", views.not_ours, name="not-ours"),
    path("jobs/failed/", views.failed_jobs, name="failed-jobs"),
    path("jobs/failed/<int:letter_id>/retry/", views.retry_failed_job, name="retry-job"),
    path("pages/<uuid:page_id>/ack/", views.acknowledge_page, name="ack"),
]
