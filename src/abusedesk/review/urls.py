from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.i18n import set_language

from abusedesk.review import assessment, bulk, claim_views, evidence_media, live, mailbox, savedqueues, views

app_name = "review"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", set_language, name="language"),  # the language cookie (templates/review/_language.html)
    path("", views.queue, name="queue"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("cases/<int:case_id>/decide/", views.decide, name="decide"),
    path("cases/<int:case_id>/close/", views.close, name="close"),
    path("cases/<int:case_id>/severity/", views.set_severity, name="severity"),
    path("cases/<int:case_id>/claim/", claim_views.claim_case, name="claim"),
    path("cases/<int:case_id>/release/", claim_views.release_case, name="release"),
    path("cases/<int:case_id>/assign/", claim_views.assign_case, name="assign"),
    path("next/", claim_views.next_case, name="next"),
    path("queues/", savedqueues.queue_list, name="queues"),
    path("queues/new/", savedqueues.queue_new, name="queue-new"),
    path("queues/<int:queue_id>/edit/", savedqueues.queue_edit, name="queue-edit"),
    path("queues/<int:queue_id>/delete/", savedqueues.queue_delete, name="queue-delete"),
    path("queues/<int:queue_id>/pick/", savedqueues.queue_pick, name="queue-pick"),
    path("cases/<int:case_id>/assessment-runs/", assessment.assessment_runs, name="assessment-runs"),
    path("decisions/<uuid:decision_id>/approve/", views.approve, name="approve"),
    path("decisions/<uuid:decision_id>/return/", views.return_decision, name="return"),
    path("decisions/<uuid:decision_id>/emergency-review/", views.review_emergency, name="emergency-review"),
    path("audit/", views.audit_log, name="audit"),
    path("live/", live.feed, name="live"),
    path("live/stream/", live.stream, name="live-stream"),
    path("live/banners/", live.banners, name="live-banners"),
    path("live/cases/<int:case_id>/claim/", live.claim_panel, name="live-claim"),
    path("reauth/", views.reauthenticate, name="reauth"),
    path("reports/<uuid:report_id>/unfounded/", views.mark_unfounded, name="unfounded"),
    path("misuse/", views.misuse, name="misuse"),
    path("not-ours/", views.not_ours, name="not-ours"),
    path("mailbox/", mailbox.mailbox, name="mailbox"),
    path("mailbox/<uuid:message_id>/", mailbox.mailbox_message, name="mailbox-message"),
    path("mailbox/<uuid:message_id>/file/", mailbox.mailbox_file, name="mailbox-file"),
    path("mailbox/<uuid:message_id>/dismiss/", mailbox.mailbox_dismiss, name="mailbox-dismiss"),
    path("jobs/failed/", views.failed_jobs, name="failed-jobs"),
    path("jobs/failed/<int:letter_id>/retry/", views.retry_failed_job, name="retry-job"),
    path("pages/<uuid:page_id>/ack/", views.acknowledge_page, name="ack"),
    path("evidence/<uuid:evidence_id>/image/", evidence_media.evidence_image, name="evidence-image"),
    path("bulk/cases/", bulk.bulk_cases, name="bulk-cases"),
    path("bulk/decide/", bulk.bulk_decide, name="bulk-decide"),
    path("bulk/cases/<int:case_id>/reports/", bulk.bulk_reports, name="bulk-reports"),
    path("bulk/decisions/<uuid:bulk_id>/", bulk.bulk_group, name="bulk-group"),
    path("bulk/decisions/<uuid:bulk_id>/approve/", bulk.bulk_group_approve, name="bulk-group-approve"),
    path("bulk/decisions/<uuid:bulk_id>/return/", bulk.bulk_group_return, name="bulk-group-return"),
]
