"""CalAIM Connect settings: every knob an environment variable with a safe local default.

Local default: SQLite file, no Redis (Celery tasks run eagerly in-process), console email.
Production: set CALAIM_PRODUCTION=1, a SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and REDIS_URL.
"""

import datetime
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

PRODUCTION = env.bool("CALAIM_PRODUCTION", default=False)

if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")  # required: no default in production
else:
    SECRET_KEY = env.str("SECRET_KEY", default="local-development-only-not-a-secret-3f9a1c7e5b2d")

# Off unless asked for (DEBUG=1): every start but the README's first command is production-safe.
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "formtools",
    "auditlog",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "calaim",
    "members",
    "providers",
    "referrals",
    "authorizations",
    "notices",
    "activities",
    "exchange",
    "common.audit",
    "common.outbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "common.i18n.PublicPagesLocaleMiddleware",  # LocaleMiddleware for the public pages (R-M7)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "common.audit.middleware.AuditMiddleware",  # R-X3: wraps every view below it
    "django_otp.middleware.OTPMiddleware",
    "calaim.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "calaim.middleware.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "calaim.middleware.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "calaim.urls"
WSGI_APPLICATION = "calaim.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "calaim.context_processors.navigation",
                "providers.context_processors.session_timeout",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("TEST", {})
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Parallel requests on the local SQLite file wait for each other instead of failing with
    # "database is locked": WAL lets reads run beside a write, IMMEDIATE takes the write lock when a
    # transaction starts (no deadlocked lock upgrade), and the busy timeout waits for it.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=20),
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "providers.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # Lockout first (django-axes), then the usual username and password check.
    "providers.auth_backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
# The public self-referral pages are offered in these (common.i18n); staff pages are English.
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
TIME_ZONE = "America/Los_Angeles"  # business dates are computed here (common.dates)
# Date-times are shown with their zone (PST/PDT): DATETIME_FORMAT and SHORT_DATETIME_FORMAT here.
FORMAT_MODULE_PATH = ["calaim.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # The manifest needs collectstatic, which production images run; everything else
        # (tests, runserver with or without DEBUG) finds files where they are.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# --- Redis, cache and Celery -------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Rate limits (the public self-referral, django-ratelimit) count in a cache that every worker
# process shares: Redis when configured; without it, a file cache on this host, which gunicorn's
# workers share too (an in-process cache would give each worker its own count).
CACHES["ratelimit"] = (
    {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "ratelimit",
    }
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": env.path("RATELIMIT_CACHE_DIR", default=BASE_DIR / "var" / "ratelimit"),
    }
)
RATELIMIT_USE_CACHE = "ratelimit"

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Longer than the slowest task (letters, monthly files): an unacknowledged task is not redelivered
# while it still runs.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
# Transactional outbox (common.outbox): queued tasks are rows written in the transaction that
# queues them; the request hands them to the broker once, without retries, and the sweep below
# relays what the broker refused (R-N4: letters within 2 business days, even after an outage).
OUTBOX_SWEEP_SECONDS = env.float("OUTBOX_SWEEP_SECONDS", default=60.0)
OUTBOX_PUBLISH_TIMEOUT = env.float("OUTBOX_PUBLISH_TIMEOUT", default=0.5)
OUTBOX_RESEND_AFTER_MINUTES = env.int("OUTBOX_RESEND_AFTER_MINUTES", default=120)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=20)
OUTBOX_KEEP_DONE_DAYS = env.int("OUTBOX_KEEP_DONE_DAYS", default=30)
NOTICE_SWEEP_DAYS = env.int("NOTICE_SWEEP_DAYS", default=60)  # decisions the letter net covers
CELERY_BEAT_SCHEDULE: dict = {
    "outbox-sweep": {
        "task": "outbox.sweep",
        "schedule": OUTBOX_SWEEP_SECONDS,
        "options": {"expires": OUTBOX_SWEEP_SECONDS},
    },
    "notices-missing-letters": {
        "task": "notices.queue_missing_letters",
        "schedule": OUTBOX_SWEEP_SECONDS,
        "options": {"expires": OUTBOX_SWEEP_SECONDS},
    },
    "prune-audit-trail": {  # R-X3: rows older than the retention, nightly in California time
        "task": "common.audit.tasks.prune_audit",
        "schedule": crontab(hour=2, minute=30),
    },
    # Files for the health networks (exchange/, R-F1..R-F4), in California time (CELERY_TIMEZONE).
    "exchange-ecm-activity-log": {  # R-F1: Monday 02:00, the Monday..Sunday week before
        "task": "exchange.schedule_file",
        "schedule": crontab(day_of_week="mon", hour=2, minute=0),
        "args": ("ecm_activity_log",),
    },
    "exchange-ecm-eligibility": {  # R-F2: the 1st at 03:00, the month starting
        "task": "exchange.schedule_file",
        "schedule": crontab(day_of_month=1, hour=3, minute=0),
        "args": ("ecm_eligibility",),
    },
    "exchange-pof-list": {  # R-P4: the 1st at 03:30, the month starting
        "task": "exchange.schedule_file",
        "schedule": crontab(day_of_month=1, hour=3, minute=30),
        "args": ("pof_list",),
    },
    "exchange-reconciliation": {  # R-A7: the 1st at 04:00, the month just ended
        "task": "exchange.schedule_file",
        "schedule": crontab(day_of_month=1, hour=4, minute=0),
        "args": ("reconciliation",),
    },
    "exchange-stale-runs": {  # R-F4: a run whose worker died is marked failed and queued again
        "task": "exchange.fail_stale_runs",
        "schedule": crontab(minute="*/5"),
    },
}

# --- Files exchanged with partners (exchange/, R-F1..R-F4) -------------------------------------
# Every generated file is kept here (system admins download it from the runs page) ...
EXCHANGE_ARCHIVE_DIR = env.path("EXCHANGE_ARCHIVE_DIR", default=BASE_DIR / "var" / "files")
# ... and delivered to the partner's SFTP destination, or else to this folder (one per partner).
EXCHANGE_DELIVERY_DIR = env.path("EXCHANGE_DELIVERY_DIR", default=BASE_DIR / "var" / "outbox")
# A run shows its progress every so many rows; one without progress for EXCHANGE_STALE_MINUTES
# died with its worker: the sweep marks it failed and queues it again, EXCHANGE_RETRY_SECONDS
# doubling between attempts, at most EXCHANGE_MAX_ATTEMPTS (exchange.services.fail_stale_runs).
EXCHANGE_PROGRESS_ROWS = env.int("EXCHANGE_PROGRESS_ROWS", default=5000)
EXCHANGE_STALE_MINUTES = env.int("EXCHANGE_STALE_MINUTES", default=15)
EXCHANGE_RETRY_SECONDS = env.int("EXCHANGE_RETRY_SECONDS", default=60)
EXCHANGE_MAX_ATTEMPTS = env.int("EXCHANGE_MAX_ATTEMPTS", default=5)
EXCHANGE_TEST_ROW_DELAY = env.float("EXCHANGE_TEST_ROW_DELAY", default=0.0)  # tests only: 0 here

# --- Audit trail (R-X3) ----------------------------------------------------------------------
# django-auditlog records changes to the member models with our own row (common.audit.AuditEvent);
# the middleware records views, searches, downloads and exports; auth signals record sign-ins.
AUDITLOG_LOGENTRY_MODEL = "audit.AuditEvent"
# auditlog's own migrations would create its unused default table (with a foreign key to users that
# Django's flush does not know of); with the model swapped, no table of auditlog's is needed.
MIGRATION_MODULES = {"auditlog": None}
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=2192)  # six years
AUDIT_MEMBER_MODEL = "members.Member"
AUDIT_MEMBER_LOOKUP_FIELDS = ("cin", "member_id")  # the compliance view finds a member by these

# --- Email -----------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="CalAIM Connect <no-reply@calaim.invalid>"
)

# --- API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "providers.api_auth.ExpiringTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # drf-spectacular plus the error answers every operation can give (schemathesis checks them).
    "DEFAULT_SCHEMA_CLASS": "calaim.api.AutoSchema",
    "EXCEPTION_HANDLER": "calaim.api.exception_handler",
    # Rates are read per request from API_THROTTLE_ANON / API_THROTTLE_USER below.
    "DEFAULT_THROTTLE_CLASSES": [
        "providers.api_auth.AnonThrottle",
        "providers.api_auth.UserThrottle",
    ],
}
API_THROTTLE_ANON = env.str("API_THROTTLE_ANON", default="60/minute")
API_THROTTLE_USER = env.str("API_THROTTLE_USER", default="1200/minute")
SPECTACULAR_SETTINGS = {
    "TITLE": "CalAIM Connect API",
    "DESCRIPTION": "Referrals and authorizations for CalAIM ECM and Community Supports.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ReferralStatusEnum": "referrals.models.Status",
        "ReferralUrgencyEnum": "referrals.models.Urgency",
        "AuthorizationStatusEnum": "authorizations.models.Status",
        "AuthorizationUrgencyEnum": "authorizations.models.Urgency",
        "ClosureRequestStateEnum": "authorizations.models.ClosureRequest.State",
        "ClosureRequestKindEnum": "authorizations.models.ClosureRequest.Kind",
    },
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # The schema and its docs need sign-in (a session or a token).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

FILTERS_EMPTY_CHOICE_LABEL = "Any"

# --- Domain ----------------------------------------------------------------------------------
# R-A1: the one place the cut-over lives. Compared in America/Los_Angeles.
CALAIM_CUTOVER_DATE = datetime.date.fromisoformat(env.str("CALAIM_CUTOVER_DATE", "2023-01-01"))
CALAIM_ALLOW_DEMO_SEED = env.bool("CALAIM_ALLOW_DEMO_SEED", default=False)
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024  # attachments are checked against 10 MB each
RATELIMIT_VIEW = None
# Behind a proxy the client address comes from X-Forwarded-For (public self-referral rate limit).
RATELIMIT_IP_META_KEY = env.str("RATELIMIT_IP_META_KEY", default="REMOTE_ADDR")
# CalOptima Health Customer Service, as members are told to call it (the public pages).
CALOPTIMA_PHONE = env.str("CALOPTIMA_PHONE", default="1-888-587-8088")
CALOPTIMA_TTY = env.str("CALOPTIMA_TTY", default="711")
# R-R1: how soon intake staff call a public self-referrer back; the thank-you page promises it.
SELF_REFERRAL_CALLBACK_BUSINESS_DAYS = env.int("SELF_REFERRAL_CALLBACK_BUSINESS_DAYS", default=5)

# --- Sign-in and sessions (R-X3 automatic logoff) ----------------------------------------------
# django-axes: after AXES_FAILURE_LIMIT failed sign-ins for one username, or from one address,
# that username or address is refused for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "providers.account_views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are recorded by the audit trail
AXES_IPWARE_META_PRECEDENCE_ORDER = [RATELIMIT_IP_META_KEY]
# Idle sessions end (with a warning SESSION_IDLE_WARNING seconds before); every session ends
# SESSION_ABSOLUTE_TIMEOUT seconds after sign-in whatever the activity.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=15 * 60)
SESSION_IDLE_WARNING = env.int("SESSION_IDLE_WARNING", default=60)
SESSION_ABSOLUTE_TIMEOUT = env.int("SESSION_ABSOLUTE_TIMEOUT", default=12 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# API tokens stop working this many hours after they were made; users and admins revoke them.
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=30 * 24)
# Two-step sign-in: TOTP (django-otp), required for CalOptima Health staff and system admins.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="CalAIM Connect")
TWO_FACTOR_PENDING_SECONDS = 5 * 60  # time to give the second factor after the password
RECOVERY_CODE_COUNT = 10
# Invitation links (a new user sets their own password) and password reset links: single use.
INVITE_LINK_TIMEOUT = env.int("INVITE_LINK_TIMEOUT", default=3 * 24 * 60 * 60)
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60)

# --- Security --------------------------------------------------------------------------------
# No inline script or style anywhere: scripts and styles come from /static/ only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REFERRER_POLICY = "same-origin"
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},  # lockouts only; sign-ins are in the audit trail
}
