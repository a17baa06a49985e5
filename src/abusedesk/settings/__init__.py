"""Django settings for abusedesk.

Every setting has a typed default with a comment; secrets come only from the environment or from
files in the data directory that the embedded `abusedesk up` writes with mode 0600. See
docs/configuration.md (kept honest by tests/test_docs.py) for the full list.
"""

from __future__ import annotations

import json
from pathlib import Path

import dj_database_url

from abusedesk.settings.env import (
    default_abuse_address,
    env_bool,
    env_float,
    env_int,
    env_list,
    env_str,
    secret_key,
    served_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent

# Where the embedded default keeps its SQLite database, keyring and secret key.
DATA_DIR = Path(env_str("ABUSEDESK_DATA_DIR", str(Path.cwd() / "abusedesk-data"))).resolve()

# Development conveniences; never on in production.
DEBUG = env_bool("ABUSEDESK_DEBUG", False)

SECRET_KEY = secret_key(DATA_DIR)

# Host names this desk answers to (comma separated).
ALLOWED_HOSTS = env_list("ABUSEDESK_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])

# Public base URL used in notices and receipts (links back to the desk). Unset, it is the address `abusedesk up`
# serves for this data directory (recorded in DATA_DIR/served-url), so `abusedesk demo` and other commands run
# beside it write links that work.
PUBLIC_URL = env_str("ABUSEDESK_PUBLIC_URL", served_url(DATA_DIR))

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "abusedesk.audit",
    "abusedesk.accounts",
    "abusedesk.attribution",
    "abusedesk.intake",
    "abusedesk.evidence",
    "abusedesk.cases",
    "abusedesk.appeals",
    "abusedesk.misuse",
    "abusedesk.triage",
    "abusedesk.watch",
    "abusedesk.referrals",
    "abusedesk.jobs",
    "abusedesk.review",
    "abusedesk.shifts",
    "abusedesk.api",
    "abusedesk.pipeline",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "abusedesk.common.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "abusedesk.urls"
WSGI_APPLICATION = "abusedesk.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "abusedesk.review.context.oncall",
                "abusedesk.shifts.context.wellness",
            ],
        },
    },
    # Plain-text e-mails (templates/notices/*.txt): no HTML escaping, or a host would receive `&amp;` inside
    # a URL and a customer `customer&#x27;s`. Rendered with `using="text"` (enforcement/notices.py).
    {
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {"autoescape": False},
    },
]

# Database: ABUSEDESK_DATABASE_URL (postgres://user@host:5432/name) or the embedded SQLite file.
_db_url = env_str("ABUSEDESK_DATABASE_URL", "")
if _db_url:
    DATABASES = {"default": dj_database_url.parse(_db_url, conn_max_age=env_int("ABUSEDESK_DB_CONN_MAX_AGE", 60))}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "abusedesk.sqlite3"),
            "OPTIONS": {
                # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so
                # concurrent writers queue on busy_timeout instead of failing mid-transaction.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache (rate limits, lockout counters): Redis in production, a file cache for the embedded default so
# that several web processes share counters.
REDIS_URL = env_str("ABUSEDESK_REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "abusedesk.common.cache.SharedRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("ABUSEDESK_CACHE_PREFIX", "abusedesk"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

# Jobs: django-tasks with the ORM backend (jobs are rows written in the same transaction as their data).
# "urgent": jobs above every filing job (jobs.core.queue_for), which `abusedesk up` gives a level worker of its own.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "bulk", "urgent"]}}
# Seconds without a heartbeat after which a worker's running job is handed to another worker.
JOBS_LEASE_SECONDS = env_int("ABUSEDESK_JOBS_LEASE_SECONDS", 30)
# Seconds between polls of the job table when idle.
JOBS_POLL_INTERVAL = float(env_str("ABUSEDESK_JOBS_POLL_INTERVAL", "0.2"))
# How much nicer (0-19, added to the niceness they start with) job workers make themselves unless started with
# --nice: on a machine that also runs the web processes, a burst is then acknowledged first and filed as CPU comes
# free. `abusedesk up` starts the urgent lane's worker level (docs/architecture.md, "Who gets the CPU").
JOBS_WORKER_NICE = env_int("ABUSEDESK_WORKER_NICE", 10, bounds=(0, 19))
# Seconds the longest-waiting due job may wait for a worker before /healthz and the console say "degraded"
# (the health check still answers 200: a backlog is not an outage, and intake keeps storing reports).
BACKLOG_WARN_SECONDS = env_float("ABUSEDESK_BACKLOG_WARN_SECONDS", 60.0)

# Passwords: argon2 first; lockout after repeated failures (django-axes).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# Failed logins before an account is locked; lock duration in hours.
AXES_FAILURE_LIMIT = env_int("ABUSEDESK_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = float(env_str("ABUSEDESK_LOGIN_COOLOFF_HOURS", "0.5"))
# Lock a user name after repeated failures from anywhere, and an address that sprays many accounts.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_TEMPLATE = "review/locked.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The client as common.net.client_ip sees it (X-Forwarded-For only from TRUSTED_PROXIES), so behind a proxy one
# client's failures do not lock out everyone who shares the proxy's address.
AXES_CLIENT_IP_CALLABLE = "abusedesk.common.net.client_ip"
LOGIN_URL = "review:login"
LOGIN_REDIRECT_URL = "review:queue"
LOGOUT_REDIRECT_URL = "review:login"

# Intake limits (bytes / characters).
INTAKE_MAX_BODY_BYTES = env_int("ABUSEDESK_INTAKE_MAX_BODY_BYTES", 256 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = INTAKE_MAX_BODY_BYTES
INTAKE_MAX_URLS = env_int("ABUSEDESK_INTAKE_MAX_URLS", 50)
INTAKE_MAX_EXPLANATION_CHARS = env_int("ABUSEDESK_INTAKE_MAX_EXPLANATION_CHARS", 20_000)
# Days the confirmation link in a receipt works (confirming makes the notice count for the reporter's identity).
INTAKE_CONFIRM_DAYS = env_int("ABUSEDESK_INTAKE_CONFIRM_DAYS", 14)
# Anonymous intake rate per client address, and per API token ("N/s", "N/m", "N/h").
INTAKE_RATE_ANONYMOUS = env_str("ABUSEDESK_INTAKE_RATE_ANONYMOUS", "30/m")
INTAKE_RATE_TOKEN = env_str("ABUSEDESK_INTAKE_RATE_TOKEN", "6000/m")
# Client addresses of reverse proxies whose X-Forwarded-For is believed (comma separated).
TRUSTED_PROXIES = env_list("ABUSEDESK_TRUSTED_PROXIES", [])
RATELIMIT_VIEW = "abusedesk.api.views.rate_limited"

# Keyring for encryption at rest (reporter identity, victims' data). Kept outside the database.
KEYRING_PATH = Path(env_str("ABUSEDESK_KEYRING", str(DATA_DIR / "keyring.json")))

# Evidence capture of reported URLs through the SSRF-safe fetcher (net/).
EVIDENCE_CAPTURE = env_bool("ABUSEDESK_EVIDENCE_CAPTURE", True)
EVIDENCE_MAX_BYTES = env_int("ABUSEDESK_EVIDENCE_MAX_BYTES", 5 * 1024 * 1024)
EVIDENCE_DEADLINE_SECONDS = float(env_str("ABUSEDESK_EVIDENCE_DEADLINE_SECONDS", "30"))
# Seconds for which a report's URL reuses the capture of the same URL in the same case (pending, or fetched within
# this window) instead of fetching it again: a campaign of thousands of reports fetches its page once
# (evidence/reuse.py). 0 turns reuse off (one fetch per report and URL).
CAPTURE_REUSE_SECONDS = env_int("ABUSEDESK_CAPTURE_REUSE_SECONDS", 900, bounds=(0, 7 * 24 * 3600))
# An HTTP CONNECT proxy for all evidence fetching (production egress), e.g. http://egress:3128.
EVIDENCE_PROXY = env_str("ABUSEDESK_EVIDENCE_PROXY", "")
# A DNS server (host:port) for evidence fetching instead of the system resolver.
EVIDENCE_DNS_SERVER = env_str("ABUSEDESK_EVIDENCE_DNS_SERVER", "")
# Tests and offline drills only: a fixed name -> address table (JSON), and networks the fetch policy allows.
EVIDENCE_STATIC_HOSTS = json.loads(env_str("ABUSEDESK_EVIDENCE_STATIC_HOSTS", "null"))
EVIDENCE_ALLOW_NETWORKS = env_list("ABUSEDESK_EVIDENCE_ALLOW_NETWORKS", [])

# Who-serves-it look-ups (`abusedesk whois`, GET /api/v1/lookup): DNS server (host:port) instead of the
# system resolver, RDAP base URLs overriding the bootstrap (JSON {"ip": url, "domain": url}), rate per client.
LOOKUP_DNS_SERVER = env_str("ABUSEDESK_LOOKUP_DNS_SERVER", "")
LOOKUP_RDAP_SERVERS = json.loads(env_str("ABUSEDESK_LOOKUP_RDAP_SERVERS", "null"))
LOOKUP_ALLOW_NETWORKS = env_list("ABUSEDESK_LOOKUP_ALLOW_NETWORKS", [])  # tests and drills only
LOOKUP_RATE = env_str("ABUSEDESK_LOOKUP_RATE", "20/m")

# Key for the HMAC signature on outgoing webhooks (forwards to hosts, enforcement webhooks).
WEBHOOK_SIGNING_SECRET = env_str("ABUSEDESK_WEBHOOK_SECRET", "") or f"derived:{SECRET_KEY}"

# Four eyes: an approval must come from a session authenticated this recently (minutes), and a decision
# waiting longer than this (hours) expires and must be made again.
APPROVAL_REAUTH_MINUTES = env_int("ABUSEDESK_APPROVAL_REAUTH_MINUTES", 15)
APPROVAL_TTL_HOURS = env_int("ABUSEDESK_APPROVAL_TTL_HOURS", 24)
# Require a second factor (TOTP) for that step-up; accounts with a device always give one.
APPROVAL_REQUIRE_MFA = env_bool("ABUSEDESK_APPROVAL_REQUIRE_MFA", False)
# Wrong one-time codes allowed per account in a window ("N/15m"); over it, codes are refused until it ends.
APPROVAL_CODE_FAILURE_RATE = env_str("ABUSEDESK_APPROVAL_CODE_FAILURE_RATE", "5/15m")
# Appeals (DSA Art. 20) are accepted this many days after a decision takes effect.
APPEAL_WINDOW_DAYS = env_int("ABUSEDESK_APPEAL_WINDOW_DAYS", 183)

# Misuse (DSA Art. 23): manifestly unfounded notices within the window before a warning, then a suspension.
MISUSE_WINDOW_DAYS = env_int("ABUSEDESK_MISUSE_WINDOW_DAYS", 365)
MISUSE_WARN_AFTER = env_int("ABUSEDESK_MISUSE_WARN_AFTER", 3)
MISUSE_SUSPEND_AFTER = env_int("ABUSEDESK_MISUSE_SUSPEND_AFTER", 5)
MISUSE_SUSPENSION_DAYS = env_int("ABUSEDESK_MISUSE_SUSPENSION_DAYS", 30)

# Enforcement backends (enforcement/): which run, the provider's control-plane webhook, the edge blocklist.
ENFORCEMENT_ACTIONS = env_list("ABUSEDESK_ENFORCEMENT_ACTIONS", ["console"])
ENFORCEMENT_WEBHOOK_URL = env_str("ABUSEDESK_ENFORCEMENT_WEBHOOK_URL", "")
ENFORCEMENT_WEBHOOK_OUTCOMES = env_list("ABUSEDESK_ENFORCEMENT_WEBHOOK_OUTCOMES",
                                        ["suspend_service", "terminate_service", "restrict", "warn_customer"])
EDGE_BLOCKLIST_PATH = env_str("ABUSEDESK_EDGE_BLOCKLIST_PATH", "")
EDGE_TEST_COMMAND = json.loads(env_str("ABUSEDESK_EDGE_TEST_COMMAND", "[]"))
EDGE_RELOAD_COMMAND = json.loads(env_str("ABUSEDESK_EDGE_RELOAD_COMMAND", "[]"))
EDGE_COMMAND_TIMEOUT_SECONDS = env_int("ABUSEDESK_EDGE_COMMAND_TIMEOUT_SECONDS", 15)

# Severity rules (triage/rules.py): a JSON file replacing the shipped triage/data/severity_rules.json.
SEVERITY_RULES_PATH = env_str("ABUSEDESK_SEVERITY_RULES", "")

# On-call paging at S0 (triage/paging.py): a signed webhook, e-mail to the rota, and the console banner.
ONCALL_WEBHOOK_URL = env_str("ABUSEDESK_ONCALL_WEBHOOK_URL", "")
ONCALL_EMAILS = env_list("ABUSEDESK_ONCALL_EMAILS", [])
# Page the next person on the rota when nobody acknowledges within this many seconds.
ONCALL_REPAGE_SECONDS = env_int("ABUSEDESK_ONCALL_REPAGE_SECONDS", 300)
# Time to first action per severity, in minutes (shown as an SLA timer in the queue).
SLA_MINUTES = {"S0": 15, "S1": 240, "S2": 1440, "S3": 4320}
# A console claim on a case expires after this many minutes without the claimant opening or acting on the case;
# anyone may then take it over (review/claims.py).
CLAIM_IDLE_MINUTES = env_int("ABUSEDESK_CLAIM_IDLE_MINUTES", 30)
# Reviewer wellness (shifts/): a shift begins at a log-in and lasts at most SHIFT_HOURS; the console suggests a
# break after WELLNESS_NUDGE_EXPOSURES harmful items in a shift or WELLNESS_NUDGE_MINUTES of work without a break
# of WELLNESS_BREAK_MINUTES (0 turns either nudge off). Harmful: cases in these categories, and revealed images.
SHIFT_HOURS = env_float("ABUSEDESK_SHIFT_HOURS", 8.0)
WELLNESS_NUDGE_EXPOSURES = env_int("ABUSEDESK_WELLNESS_NUDGE_EXPOSURES", 20)
WELLNESS_NUDGE_MINUTES = env_int("ABUSEDESK_WELLNESS_NUDGE_MINUTES", 90)
WELLNESS_BREAK_MINUTES = env_int("ABUSEDESK_WELLNESS_BREAK_MINUTES", 10)
WELLNESS_HARMFUL_CATEGORIES = env_list("ABUSEDESK_WELLNESS_HARMFUL_CATEGORIES",
                                       ["csam", "terrorism", "ncii", "threat", "doxxing"])
# Watched threads: default re-fetch interval in seconds.
WATCH_INTERVAL_SECONDS = env_int("ABUSEDESK_WATCH_INTERVAL_SECONDS", 1800)

# How often each worker chains the audit events committed since (audit.trail.seal); see docs/security.md.
AUDIT_SEAL_INTERVAL_SECONDS = env_float("ABUSEDESK_AUDIT_SEAL_INTERVAL_SECONDS", 0.5)

# What a worker runs before its first job (dotted paths): load the detection models, so the first S0 report does not
# wait for them.
JOBS_WARM_UP = ["abusedesk.detection.api.warm_up"]
# Callables each job worker runs in a thread of its own every N seconds ({dotted path: seconds}): screening waiting
# reports, so one whose text alone is S0 is filed (and pages) first (pipeline/screen.py); 0 turns it off.
SCREEN_SECONDS = env_float("ABUSEDESK_SCREEN_SECONDS", 1.0)
JOBS_TICKERS = {"abusedesk.pipeline.screen.screen_waiting": SCREEN_SECONDS} if SCREEN_SECONDS > 0 else {}

# Stage hooks run when reports are filed into a case: callables(reports, case), inside the filing transaction, given
# every report of one step of a batch (pipeline/batch.py).
PIPELINE_AFTER_FILING = ["abusedesk.pipeline.capture.queue_captures", "abusedesk.triage.tasks.queue_detection",
                         "abusedesk.watch.service.queue_watch"]
# A filing job takes, besides its own report, other waiting reports about the same site: at most this many in one
# transaction, and it stops taking more once it has worked this many seconds (the rest wait for their own jobs), so
# a worker goes back to the queue, where an S0 runs first, between batches.
PIPELINE_BATCH_REPORTS = env_int("ABUSEDESK_PIPELINE_BATCH_REPORTS", 200)
PIPELINE_BATCH_SECONDS = env_float("ABUSEDESK_PIPELINE_BATCH_SECONDS", 1.0)
# A case is a campaign once this many of its reports were received within this many seconds (shown in the console
# with the count and reports per hour; the rate decays with the same window).
CAMPAIGN_REPORTS = env_int("ABUSEDESK_CAMPAIGN_REPORTS", 50)
CAMPAIGN_WINDOW_SECONDS = env_int("ABUSEDESK_CAMPAIGN_WINDOW_SECONDS", 3600)

# Mail: SMTP in production, written to the data directory's outbox by default.
EMAIL_BACKEND = env_str("ABUSEDESK_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = str(DATA_DIR / "outbox")
EMAIL_HOST = env_str("ABUSEDESK_SMTP_HOST", "127.0.0.1")
EMAIL_PORT = env_int("ABUSEDESK_SMTP_PORT", 25)
EMAIL_HOST_USER = env_str("ABUSEDESK_SMTP_USER", "")
EMAIL_HOST_PASSWORD = env_str("ABUSEDESK_SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_bool("ABUSEDESK_SMTP_STARTTLS", False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env_str("ABUSEDESK_FROM_EMAIL", "abuse-desk@localhost")

# E-mail intake, the SMTP listener (`abusedesk smtp`, `abusedesk up --smtp-port`; docs/email-smtp.md): the addresses
# it takes mail for (comma separated; default abuse@ the host of PUBLIC_URL, abuse@localhost when that host is an IP
# address), the largest message in bytes (advertised as SIZE; 552 above it), simultaneous connections (421 beyond),
# seconds a client may stay idle or take over one DATA, and a PEM certificate and key to offer STARTTLS.
MAIL_ADDRESSES = env_list("ABUSEDESK_MAIL_ADDRESSES", [default_abuse_address(PUBLIC_URL)])
MAIL_MAX_BYTES = env_int("ABUSEDESK_MAIL_MAX_BYTES", 10 * 1024 * 1024)
MAIL_MAX_CONNECTIONS = env_int("ABUSEDESK_MAIL_MAX_CONNECTIONS", 100)
MAIL_TIMEOUT_SECONDS = env_float("ABUSEDESK_MAIL_TIMEOUT_SECONDS", 300.0)
MAIL_TLS_CERT = env_str("ABUSEDESK_MAIL_TLS_CERT", "")
MAIL_TLS_KEY = env_str("ABUSEDESK_MAIL_TLS_KEY", "")

# E-mail intake, reading a stored message (intake/email/; docs/email.md): the authserv-ids of relays whose
# Authentication-Results are believed (comma separated; none by default, so no header is taken on trust); verify
# DKIM signatures here with dkimpy (turn on when this desk's listener is the MX); sender domains that get a lane
# when DKIM passes for them ("cert.example=trusted,police.example=authority"); receipts per sender address
# ("N/s", "N/m", "N/h" or "N/d"); the most MIME parts read in one message and how deep multiparts may nest.
MAIL_TRUSTED_AUTHSERV_IDS = env_list("ABUSEDESK_MAIL_TRUSTED_AUTHSERV_IDS", [])
MAIL_DKIM_VERIFY = env_bool("ABUSEDESK_MAIL_DKIM_VERIFY", False)
MAIL_TRUSTED_DOMAINS = env_list("ABUSEDESK_MAIL_TRUSTED_DOMAINS", [])
MAIL_RECEIPT_RATE = env_str("ABUSEDESK_MAIL_RECEIPT_RATE", "5/h")
MAIL_MAX_PARTS = env_int("ABUSEDESK_MAIL_MAX_PARTS", 500)
MAIL_MAX_DEPTH = env_int("ABUSEDESK_MAIL_MAX_DEPTH", 20)

# Internationalisation: the public pages and notices speak English, Spanish and Arabic.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español"), ("ar", "العربية")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
STATIC_ROOT = str(DATA_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True

# Cookies and transport security. Behind TLS in production set ABUSEDESK_SECURE_COOKIES=1.
_secure = env_bool("ABUSEDESK_SECURE_COOKIES", False)
SESSION_COOKIE_SECURE = _secure
CSRF_COOKIE_SECURE = _secure
SESSION_COOKIE_NAME = "__Host-session" if _secure else "abusedesk_session"
CSRF_COOKIE_NAME = "__Host-csrftoken" if _secure else "abusedesk_csrftoken"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("ABUSEDESK_SESSION_SECONDS", 8 * 3600)
SECURE_HSTS_SECONDS = 31536000 if _secure else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _secure
SECURE_HSTS_PRELOAD = env_bool("ABUSEDESK_HSTS_PRELOAD", _secure)
SECURE_SSL_REDIRECT = env_bool("ABUSEDESK_SSL_REDIRECT", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("ABUSEDESK_CSRF_TRUSTED_ORIGINS", [])

# Logging: one structured line per event; the redacting filter strips anything that looks like a
# reporter identity before it reaches a handler.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "abusedesk.common.logging.RedactingFilter"}},
    "formatters": {"line": {"()": "abusedesk.common.logging.OneLineFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "line", "filters": ["redact"]},
    },
    "root": {"handlers": ["console"], "level": env_str("ABUSEDESK_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "django_tasks_db": {"level": "WARNING"},
    },
}

