"""WSGI entry point: `gunicorn abusedesk.wsgi:application` (gevent workers, see docs/architecture.md)."""

import io
import os
from collections.abc import Callable, Iterable
from typing import Any

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abusedesk.settings")
django_application = get_wsgi_application()


def _buffer_limit() -> int:
    from django.conf import settings

    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440)


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Read the whole request body before Django runs, so a client trickling its body holds only a greenlet,
    never a database connection or a session. Bodies over the upload limit are passed on unread: Django
    refuses them by their Content-Length."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if 0 < length <= _buffer_limit():
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
    return django_application(environ, start_response)
