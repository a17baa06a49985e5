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
    path("decisions/<uuid:decision_id>/approve/", views.approve, name="approve"),
    path("audit/", views.audit_log, name="audit"),
]
