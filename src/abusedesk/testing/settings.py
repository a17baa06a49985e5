"""Settings for the test suite: real services, isolated data.

ABUSEDESK_TEST_DB=postgres runs against PostgreSQL (and Redis for the cache, as in production);
otherwise SQLite, the embedded default. Set before the main settings read the environment.
"""

import os
import tempfile

os.environ.setdefault("ABUSEDESK_DATA_DIR", tempfile.mkdtemp(prefix="abusedesk-test-"))
# Workers the tests start as processes run level with the test itself: on a busy CI machine a nice worker would
# wait behind every unrelated process, and the tests that wait for it would time out (tests/jobs/test_worker_nice.py
# covers the setting itself).
os.environ.setdefault("ABUSEDESK_WORKER_NICE", "0")
if os.environ.get("ABUSEDESK_TEST_DB") == "postgres":
    os.environ.setdefault("ABUSEDESK_DATABASE_URL", os.environ.get(
        "ABUSEDESK_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/abusedesk"))
    os.environ.setdefault("ABUSEDESK_REDIS_URL", os.environ.get(
        "ABUSEDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
    os.environ.setdefault("ABUSEDESK_CACHE_PREFIX", f"abusedesk-test-{os.getpid()}")

from abusedesk.settings import *  # noqa: F403

DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
if not os.environ.get("ABUSEDESK_REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# No name resolves unless a test maps it: evidence fetches fail fast instead of asking real DNS.
EVIDENCE_STATIC_HOSTS = {}
# Tests run the worker loop in-process; polling fast keeps them quick.
JOBS_POLL_INTERVAL = 0.05
WHITENOISE_AUTOREFRESH = True
# Argon2 still, with test-sized cost so hundreds of logins stay fast.
PASSWORD_HASHERS = ["abusedesk.testing.hashers.FastArgon2PasswordHasher"]
