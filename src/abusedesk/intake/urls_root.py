from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import get_language_from_request


def home(request: HttpRequest) -> HttpResponse:
    return redirect(f"/{get_language_from_request(request)}/report/")


def healthz(request: HttpRequest) -> HttpResponse:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})


urlpatterns = [path("", home), path("healthz", healthz)]
