from django.conf.urls.i18n import i18n_patterns
from django.urls import URLPattern, URLResolver, include, path

from abusedesk.api.urls import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", api.urls),
    path("console/", include("abusedesk.review.urls")),
    path("console/", include("abusedesk.appeals.console_urls")),
    path("console/wellness/", include("abusedesk.shifts.urls")),
    path("", include("abusedesk.intake.urls_root")),
]
urlpatterns += i18n_patterns(path("", include("abusedesk.intake.urls")), path("", include("abusedesk.appeals.urls")),
                             prefix_default_language=True)
