from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import get_language_from_request


def home(request: HttpRequest) -> HttpResponse:
    return redirect(f"/{get_language_from_request(request)}/report/")


def healthz(request: HttpRequest) -> HttpResponse:
    """200 whenever the database answers, with the job backlog beside it (docs/api.md): a backlog is not an
    outage, since intake stores every report before answering, so it shows as `degraded`, never as a failure.
    The database is asked on every call; the backlog figures are at most a second old (jobs/backlog.py)."""
    from django.db import connection

    from abusedesk.jobs.backlog import recent

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True, **recent().as_dict()})


urlpatterns = [path("", home), path("healthz", healthz)]
