"""Settings, all from environment variables (django-environ).

The embedded defaults are the `make run` ones: SQLite (WAL) and Celery's filesystem broker
under `var/`. With DEBUG off, SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL are required and a
missing or malformed one stops the start with one line naming the variable.
"""

import os
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))


_BOOLEANS = {"1": True, "true": True, "yes": True, "on": True}
_BOOLEANS |= {"0": False, "false": False, "no": False, "off": False, "": False}


def _setting(name: str, cast: type, default: object) -> object:
    """Read one variable; a malformed value stops the start with one clear line."""
    try:
        if cast is bool:
            raw = os.environ.get(name)
            if raw is None:
                return default
            if raw.strip().lower() not in _BOOLEANS:
                raise ValueError("expected true or false, got {raw!r}".format(raw=raw))
            return _BOOLEANS[raw.strip().lower()]
        return env.get_value(name, cast=cast, default=default)
    except (ValueError, ImproperlyConfigured) as exc:
        raise ImproperlyConfigured(
            "Environment variable {name} is malformed: {error}".format(name=name, error=exc)
        ) from None


DEBUG = _setting("DEBUG", bool, True)


def _required(name: str) -> None:
    if not DEBUG and not env.str(name, default=""):
        raise ImproperlyConfigured(
            "Environment variable {name} is required when DEBUG is off.".format(name=name)
        )


for _name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"):
    _required(_name)

SECRET_KEY = env.str("SECRET_KEY", default="dev-insecure-key-for-make-run-only-" + "x" * 20)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "simple_history",
    "django_htmx",
    "template_partials",
    "axes",
    "csp",
    "itsm",
    "core",
    "catalog",
    "sla",
    "incidents",
    "problems",
    "changes",
    "pdca",
    "integrations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.limits.RequestSizeLimitMiddleware",  # 413 before anything reads a large body
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "core.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "itsm.urls"
WSGI_APPLICATION = "itsm.wsgi.application"

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
try:
    DATABASES = {
        "default": env.db_url("DATABASE_URL", default="sqlite:///" + str(VAR_DIR / "db.sqlite3"))
    }
except (ImproperlyConfigured, ValueError, KeyError) as exc:
    raise ImproperlyConfigured(
        "Environment variable DATABASE_URL is malformed: {error}".format(error=exc)
    ) from None
if DATABASES["default"].get("ENGINE") not in (
    "django.db.backends.sqlite3",
    "django.db.backends.postgresql",
):
    raise ImproperlyConfigured(
        "Environment variable DATABASE_URL is malformed: use postgres://… or sqlite:///…"
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # DEPENDENCIES §5.12: WAL and IMMEDIATE transactions, so writers queue instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not shared-cache memory: there, concurrent writers fail at once with "table is
    # locked" instead of waiting, which would make the concurrency tests meaningless.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = _setting("CONN_MAX_AGE", int, 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A list page's select_related query joins 7-10 tables; with PostgreSQL's default (8)
    # the planner searched every join order: 15 ms of planning for a 0.9 ms query (bench/).
    # 4 keeps the reordering that filtered queues need (the groups' unassigned queue ran
    # twice as long with 1) and plans the API list in 2.6 ms.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options",
        "-c join_collapse_limit={n}".format(n=_setting("PG_JOIN_COLLAPSE_LIMIT", int, 4)),
    )
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # An outage of Redis is a cache miss, not a 500 (core.cache); give up on it quickly.
    CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    # Shared by every process (DRF throttles, axes), unlike LocMemCache (DEPENDENCIES §5.11).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            # Parallel test workers each get a directory: clear() empties the whole of one.
            "LOCATION": str(VAR_DIR / "cache" / os.environ.get("PYTEST_XDIST_WORKER", "")),
        }
    }

# Parallel test workers share one cache server; each keeps its own keys.
CACHES["default"]["KEY_PREFIX"] = env.str("CACHE_KEY_PREFIX", default="") or os.environ.get(
    "PYTEST_XDIST_WORKER", ""
)

# --- Auth -----------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "core.auth.CachedPermissionBackend",  # ModelBackend with permissions cached across requests
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AXES_FAILURE_LIMIT = _setting("AXES_FAILURE_LIMIT", int, 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", _("English")), ("sv", _("Swedish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Stockholm")
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
if STATIC_ROOT.is_relative_to(VAR_DIR):
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
ATTACHMENT_MAX_BYTES = _setting("ATTACHMENT_MAX_BYTES", int, 10 * 1024 * 1024)
ATTACHMENT_ALLOWED_TYPES = env.list(
    "ATTACHMENT_ALLOWED_TYPES",
    default=[
        "text/plain",
        "text/csv",
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "application/zip",
        "application/json",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ],
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- E-mail ---------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="servicedesk@localhost")

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Bearer first, so an anonymous call gets 401 with WWW-Authenticate, not 403.
        "integrations.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "integrations.api.authentication.TokenScopePermission",
        "core.api.permissions.ModelPermissions",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "core.api.filters.FilterBackend",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.StablePageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.DeskAutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "integrations.api.throttling.AnonRateThrottle",
        "integrations.api.throttling.UserRateThrottle",
        "integrations.api.throttling.ApiTokenRateThrottle",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "core.api.renderers.FastJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/min"),
        "user": env.str("API_THROTTLE_USER", default="1200/min"),
        # per API token: read/write tokens, and integration tokens (monitoring bursts)
        "token": env.str("API_THROTTLE_TOKEN", default="600/min"),
        "integration": env.str("API_THROTTLE_INTEGRATION", default="60000/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ITSM Service Desk API",
    "DESCRIPTION": "Incidents, problems, changes, the service catalog and the PDCA loop.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CiKindEnum": "catalog.choices.CiKind",
        "TimelineKindEnum": "core.models.TimelineKind",
        "LevelEnum": "incidents.choices.Impact",
        "PriorityEnum": "incidents.choices.Priority",
        "IncidentStateEnum": "incidents.choices.IncidentState",
        "ProblemStateEnum": "problems.choices.ProblemState",
        "ChangeStateEnum": "changes.choices.ChangeState",
        "TokenKindEnum": "integrations.models.TokenKind",
        "TokenScopeEnum": "integrations.models.TokenScope",
        "ImprovementActionStatusEnum": "pdca.choices.ActionStatus",
        "StrategicDecisionEnum": "pdca.choices.Decision",
        "RecordKindEnum": "pdca.choices.RecordKind",
        "ValidationErrorEnum": "drf_standardized_errors.openapi_serializers.ValidationErrorEnum.choices",
        "ClientErrorEnum": "drf_standardized_errors.openapi_serializers.ClientErrorEnum.choices",
        "ServerErrorEnum": "drf_standardized_errors.openapi_serializers.ServerErrorEnum.choices",
        "ErrorCode401Enum": "drf_standardized_errors.openapi_serializers.ErrorCode401Enum.choices",
        "ErrorCode403Enum": "core.api.schema.FORBIDDEN_CODE_CHOICES",
        "ErrorCode404Enum": "core.api.schema.NOT_FOUND_CODE_CHOICES",
        "ErrorCode405Enum": "drf_standardized_errors.openapi_serializers.ErrorCode405Enum.choices",
        "ErrorCode406Enum": "drf_standardized_errors.openapi_serializers.ErrorCode406Enum.choices",
        "ErrorCode415Enum": "drf_standardized_errors.openapi_serializers.ErrorCode415Enum.choices",
        "ErrorCode429Enum": "drf_standardized_errors.openapi_serializers.ErrorCode429Enum.choices",
        "ErrorCode500Enum": "drf_standardized_errors.openapi_serializers.ErrorCode500Enum.choices",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
        "core.api.schema.list_positions_as_patterns",
    ],
}
DRF_STANDARDIZED_ERRORS = {
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True,
    "EXCEPTION_HANDLER_CLASS": "core.api.exceptions.DeskExceptionHandler",
    "ERROR_SCHEMAS": {
        403: "core.api.schema.ErrorResponse403Serializer",
        404: "core.api.schema.ErrorResponse404Serializer",
    },
}

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("out", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # DEPENDENCIES §5.3: the folders must exist and control must not land in the cwd.
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        "control_folder": str(_broker_dir / "control"),
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        "socket_timeout": 5,
        "socket_connect_timeout": 5,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = _setting("CELERY_TASK_ALWAYS_EAGER", bool, False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # The outbox relay publishes what services wrote in their transactions (RELIABILITY §B3).
    "core.relay_outbox": {"task": "core.relay_outbox", "schedule": 5.0},
    "core.purge_processed_messages": {
        "task": "core.purge_processed_messages",
        "schedule": crontab(hour=3, minute=17),
    },
    "core.health_ping": {"task": "core.health_ping", "schedule": 60.0},
    "core.purge_idempotency_keys": {
        "task": "core.purge_idempotency_keys",
        "schedule": crontab(minute=13),
    },
    "incidents.scan_incident_sla": {"task": "incidents.scan_incident_sla", "schedule": 60.0},
    "pdca.run_due_reviews": {"task": "pdca.run_due_reviews", "schedule": crontab(minute=41)},
    "problems.detect_problems": {
        "task": "problems.detect_problems",
        "schedule": crontab(minute=23),
    },
    "incidents.close_resolved_incidents": {
        "task": "incidents.close_resolved_incidents",
        "schedule": crontab(minute=7),
    },
    # Inbound alerts are queued when stored; this catches a trigger the broker lost.
    "integrations.sweep_alerts": {"task": "integrations.sweep_alerts", "schedule": 15.0},
}
OUTBOX_BATCH_SIZE = 100
OUTBOX_MAX_ATTEMPTS = 10

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not from the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = _setting("SECURE_SSL_REDIRECT", bool, True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = _setting("SECURE_HSTS_SECONDS", int, 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
AXES_VERBOSE = False

# --- Incident management --------------------------------------------------------------------
# A resolved incident can be reopened until it closes (auto-close after the same period).
INCIDENT_REOPEN_DAYS = _setting("INCIDENT_REOPEN_DAYS", int, 3)
INCIDENT_AUTO_CLOSE_DAYS = _setting("INCIDENT_AUTO_CLOSE_DAYS", int, 3)
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# --- Problem management ---------------------------------------------------------------------
PROBLEM_DETECTION_MIN_INCIDENTS = _setting("PROBLEM_DETECTION_MIN_INCIDENTS", int, 5)
PROBLEM_DETECTION_WINDOW_DAYS = _setting("PROBLEM_DETECTION_WINDOW_DAYS", int, 7)

# --- Integrations: inbound e-mail and TMF621 ------------------------------------------------
# imap://user:pass@host:143/INBOX[?move_to=Done], imaps://…, or maildir:///path; empty: off.
MAILIN_URL = env.str("MAILIN_URL", default="")
MAILIN_SERVICE = env.str("MAILIN_SERVICE", default="")  # the service mailed incidents are on
MAILIN_UNKNOWN_SENDERS = env.str("MAILIN_UNKNOWN_SENDERS", default="create")  # or "ignore"
MAILIN_OWN_ADDRESSES = env.list("MAILIN_OWN_ADDRESSES", default=[])  # besides DEFAULT_FROM_EMAIL
if MAILIN_URL:
    CELERY_BEAT_SCHEDULE["integrations.fetch_mail"] = {
        "task": "integrations.fetch_mail",
        "schedule": float(_setting("MAILIN_INTERVAL", int, 60)),
    }
# TMF621: the service a trouble ticket is logged on when it names none (empty: required).
TMF621_DEFAULT_SERVICE = env.str("TMF621_DEFAULT_SERVICE", default="")
