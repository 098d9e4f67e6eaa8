"""Settings for one machine, overridable by environment variables.

Every variable is listed in the README's configuration table. The defaults need no
server: a SQLite file and a filesystem Celery broker under ``var/``.
"""

import json
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from lms.addresses import trusted_networks
from lms.settings.env import env_bool, env_int, env_list, env_str
from lms.settings.local_files import BASE_DIR, VAR_DIR, local_secret_key

# Django's generic classes subscriptable at run time (``admin.ModelAdmin[Course]``), as the
# type checker reads them.
django_stubs_ext.monkeypatch()

# Importing the settings writes nothing: `./dev setup` creates var/ and its key (local_files).
SECRET_KEY = env_str("SECRET_KEY") or local_secret_key(VAR_DIR)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "lms.events",
    "lms.audit",
    "lms.notifications",
    "organisations",
    "courses",
    "assessments",
    "certificates",
    "readiness",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "lms.security.ContentSecurityPolicyMiddleware",  # before WhiteNoise: static files too
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before anything reads a body (the CSRF check reads forms): lms/request_body.py.
    "lms.request_body.RequestBodyLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"

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
                "organisations.context_processors.roles",
                "lms.notifications.context_processors.unread",
            ],
            # The project's filters (lms/ is configuration, not an installed app).
            "libraries": {"lms_format": "lms.templatetags.lms_format"},
        },
    },
]

# Database ------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'lms.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and scheduler all write: WAL lets readers run beside one writer,
    # IMMEDIATE takes the write lock at BEGIN (no deadlock on lock upgrade) and the
    # timeout makes a writer wait for the lock instead of failing.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("SQLITE_BUSY_TIMEOUT_SECONDS", 30),
        "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache (login throttles, API throttles): shared by every process on the machine.
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            # A Redis that stopped answering costs a request a second, not a hung worker:
            # the throttles then count in the process (lms/counters.py).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
elif CACHE_URL.startswith("locmem://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif CACHE_URL in ("", "file://"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
else:
    raise ImproperlyConfigured("CACHE_URL must be redis://, rediss://, locmem:// or empty.")

# People ----------------------------------------------------------------------------------
AUTH_USER_MODEL = "organisations.User"
AUTHENTICATION_BACKENDS = ["organisations.backends.CaseInsensitiveModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # ASVS 2.1.1: at least 12 characters, whatever door sets the password (activation, change,
    # reset by e-mail, the Django admin: each validates against this list).
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE_SECONDS", 12 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
API_TOKEN_TTL = timedelta(hours=env_int("API_TOKEN_TTL_HOURS", 7 * 24))
# How long the link of a password reset e-mail works (it also stops working once used).
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT_SECONDS", 60 * 60)
ACTIVATION_CODE_TTL = timedelta(days=env_int("ACTIVATION_CODE_TTL_DAYS", 30))
ROSTER_IMPORT_MAX_BYTES = env_int("ROSTER_IMPORT_MAX_BYTES", 5 * 1024 * 1024)
DEMO_SEED_ALLOWED = True
DEMO_SEED_STEPS = [
    "courses.demo.courses_seed",
    "assessments.demo.assessments_seed",
    "certificates.demo.certificates_seed",
    "readiness.demo.readiness_seed",
]

# Languages -------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French")), ("ar", _("Arabic"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# One unambiguous date format per language (day, month name, year): lms/formats/.
FORMAT_MODULE_PATH = ["lms.formats"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_TZ = True

# Files -----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {
        "BACKEND": env_str("STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": json.loads(env_str("STORAGE_OPTIONS", "{}")),
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# The largest image or PDF an author may attach to a lesson (trainees download it on slow links).
LESSON_ATTACHMENT_MAX_BYTES = env_int("LESSON_ATTACHMENT_MAX_MB", 5) * 1024 * 1024
# Fixed sizes: the largest GIFT or CSV question file (its pages say 5 MB), certificate PDF
# checked by upload (far above any issued here) and issuer logo (the admin).
QUESTION_IMPORT_MAX_BYTES = 5 * 1024 * 1024
CERTIFICATE_PDF_MAX_BYTES = 5 * 1024 * 1024
CERTIFICATE_LOGO_MAX_BYTES = 1024 * 1024
# Request bodies (lms/request_body.py), refused with 413 from their Content-Length before
# they are read: any request may send REQUEST_BODY_MAX_BYTES; an upload endpoint (URL name
# -> the setting of its largest file, read per request) that file plus UPLOAD_FORM_BYTES for
# the form around it. A file part sent anywhere else is refused before it is kept.
REQUEST_BODY_MAX_BYTES = env_int("REQUEST_BODY_MAX_BYTES", 1024 * 1024)
UPLOAD_FORM_BYTES = 64 * 1024
UPLOAD_ENDPOINTS = {
    "roster-import": "ROSTER_IMPORT_MAX_BYTES",
    "api-officer-import": "ROSTER_IMPORT_MAX_BYTES",
    "author-attachment-upload": "LESSON_ATTACHMENT_MAX_BYTES",
    "api-lesson-attachments": "LESSON_ATTACHMENT_MAX_BYTES",
    "questions-import": "QUESTION_IMPORT_MAX_BYTES",
    "api-assessment-import": "QUESTION_IMPORT_MAX_BYTES",
    "certificate-verify-detail": "CERTIFICATE_PDF_MAX_BYTES",
    "admin:certificates_issuerlogo_add": "CERTIFICATE_LOGO_MAX_BYTES",
    "admin:certificates_issuerlogo_change": "CERTIFICATE_LOGO_MAX_BYTES",
}
FILE_UPLOAD_HANDLERS = [
    "lms.request_body.BodyLimitUploadHandler",  # first: it refuses before the others keep anything
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# E-mail: written to files under var/mail unless an SMTP host is configured.
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "lms@localhost")

# Security headers that hold on every deployment (production adds the TLS ones).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# The reverse proxies in front of the web processes, as addresses or networks (CIDR),
# comma-separated: only a request from one of them may tell, in X-Forwarded-For, which
# client it forwards (lms/addresses.py). Empty: the header is never read. Checked here so
# that a typo stops the server at start.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
trusted_networks(tuple(TRUSTED_PROXIES))

# API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "organisations.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "lms.api.StandardPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "PAGE_SIZE": 50,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "EXCEPTION_HANDLER": "lms.api.exception_handler",
    # DRF's, with JSON bounded in depth (lms.parsers.JSONParser).
    "DEFAULT_PARSER_CLASSES": [
        "lms.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Police development LMS API",
    "DESCRIPTION": "Training, assessment, certificates and handover readiness for national police.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "lms.api.document_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "CourseStatusEnum": "courses.models.Course.Status",
        "EnrollmentStatusEnum": "courses.models.Enrollment.Status",
        "SessionStatusEnum": "courses.models.TrainingSession.Status",
        "AttendanceEnum": "courses.models.SessionRegistration.Attendance",
        "CertificateStatusEnum": "certificates.models.Certificate.Status",
        "ReadinessStatusEnum": "readiness.models.UnitReadiness.Status",
        "UnitTypeEnum": "organisations.models.Unit.Type",
    },
}


# Celery ----------------------------------------------------------------------------------
def broker_transport_options(broker_url: str, broker_dir: Path, *, create_folders: bool = True) -> dict:
    """Kombu transport options for a broker URL (tests start workers on other brokers).

    The settings pass ``create_folders=False``: importing them writes nothing, and the
    embedded broker creates its folders on first use (``lms/broker.py``).
    """
    if broker_url.startswith("filesystem://"):
        if create_folders:
            for folder in ("queue", "processed", "control"):
                (broker_dir / folder).mkdir(parents=True, exist_ok=True)
        return {
            "control_folder": str(broker_dir / "control"),  # else kombu writes ./control
            "data_folder_in": str(broker_dir / "queue"),
            "data_folder_out": str(broker_dir / "queue"),
            "processed_folder": str(broker_dir / "processed"),
            "store_processed": False,
        }
    return {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
        # Publishing gives up after one immediate retry. Kombu's default keeps retrying for
        # seconds (or for ever) inside the request that committed an event; the outbox
        # sweep resends whatever could not be handed over. Workers reconnect on their own
        # policy (broker_connection_max_retries), not this one.
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
    }


CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_TRANSPORT_OPTIONS = broker_transport_options(CELERY_BROKER_URL, BROKER_DIR, create_folders=False)
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = False  # opted into per task, only where the task is idempotent
CELERY_TASK_REJECT_ON_WORKER_LOST = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
OUTBOX_SWEEP_SECONDS = env_int("OUTBOX_SWEEP_SECONDS", 30)
OUTBOX_REDISPATCH_AFTER_SECONDS = env_int("OUTBOX_REDISPATCH_AFTER_SECONDS", 120)
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 8)
DEADLINE_REMINDER_DAYS = env_int("DEADLINE_REMINDER_DAYS", 7)
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {"task": "events.sweep", "schedule": timedelta(seconds=OUTBOX_SWEEP_SECONDS)},
    "activation-codes-purge": {
        "task": "organisations.purge_activation_codes",
        "schedule": crontab(hour=2, minute=15),
    },
    "api-tokens-purge": {"task": "organisations.purge_api_tokens", "schedule": crontab(hour=2, minute=20)},
    # Notifications: remind officers of enrolment deadlines within DEADLINE_REMINDER_DAYS.
    "deadline-reminders": {"task": "courses.deadline_reminders", "schedule": crontab(hour=6, minute=0)},
    # Certificates: mark expired ones (an event each), then remind holders of refreshers due.
    "certificates-expire": {"task": "certificates.expire", "schedule": crontab(hour=0, minute=20)},
    # Readiness: nightly full reconciliation, then the day's snapshots (also on demand).
    "readiness-sync-full": {"task": "readiness.sync_full", "schedule": crontab(hour=1, minute=0)},
    "readiness-sync-dirty": {"task": "readiness.sync_dirty", "schedule": timedelta(minutes=1)},
    "certificates-refresher-reminders": {
        "task": "certificates.refresher_reminders",
        "schedule": crontab(hour=6, minute=10),
    },
}

# Domain events: event name -> dotted paths of handler functions. A handler takes the
# Event row and must be idempotent (delivery is at least once). Higher apps subscribe
# here, so no lower app imports a higher one.
LMS_EVENT_HANDLERS: dict[str, list[str]] = {
    "notification.created": ["lms.notifications.handlers.notification_email"],
    # Accounts: the reset link asked for on /accounts/password-reset/, mailed after the request.
    "account.password_reset_requested": ["organisations.passwords.password_reset_mail_send"],
    "course.completed": ["certificates.handlers.certificate_issue_on_completion"],
    # Certificates: one chunk of a bulk issue run (certificates/runs.py), spread over workers.
    "certificate.run_chunk_queued": ["certificates.handlers.issue_run_chunk"],
    # Readiness: recompute the units an event touched (and their ancestors).
    **{
        name: ["readiness.handlers.readiness_update"]
        for name in (
            "certificate.issued",
            "certificate.revoked",
            "certificate.superseded",
            "certificate.expired",
            "officer.joined",
            "officer.left",
            "officer.transferred",
            "officer.vetting_changed",
            "officer.command_changed",
        )
    },
    "readiness.profile_changed": ["readiness.handlers.readiness_reconcile"],
    # Readiness: a joint assessment or handover decision recorded for a unit.
    "readiness.unit_changed": ["readiness.handlers.readiness_update"],
    # Readiness: an admin's on-demand reconciliation (API), and each webhook's daily snapshots.
    "readiness.sync_requested": ["readiness.handlers.readiness_reconcile"],
    "readiness.webhook_due": ["readiness.webhooks.webhook_deliver"],
}
# Certificates: holders are reminded this many days before a certificate expires.
CERTIFICATE_REFRESHER_NOTICE_DAYS = env_int("CERTIFICATE_REFRESHER_NOTICE_DAYS", 60)
# Certificates: public verification checks per client address (page, PDF upload and API
# share the budget), as comma-separated "<checks>/<second|minute|hour|day>".
CERTIFICATE_VERIFY_RATE = env_str("CERTIFICATE_VERIFY_RATE", "60/minute,600/day")
# The completion rule of a course: every requirement these providers report must be met
# (see ``courses.selectors.completion_requirements``; later apps append their own).
COURSE_COMPLETION_REQUIREMENTS = [
    "courses.selectors.lessons_requirement",
    "courses.selectors.attendance_requirement",
    "courses.selectors.practicals_requirement",
    "assessments.selectors.assessments_requirement",
]
# Pages of later apps linked from a course's report for staff (see ``courses.selectors.course_staff_links``).
COURSE_STAFF_LINKS = ["assessments.selectors.course_staff_links", "certificates.selectors.course_staff_links"]
# Sections of an officer's training record on their page, told by the apps that hold them
# (see ``organisations.record.officer_record_sections``), shown in this order.
OFFICER_RECORD_SECTIONS = [
    "courses.selectors.record.officer_record_sections",
    "assessments.record.officer_record_sections",
    "certificates.record.officer_record_sections",
]
# What later apps tell an enrolled trainee on the course page (see ``courses.selectors.learner_notices``).
COURSE_LEARNER_NOTICES = ["certificates.selectors.course_learner_notices"]
# The assessments an enrolled trainee takes, listed on the course's pages and counted in its
# progress (see ``courses.selectors.learner_assessments``).
COURSE_LEARNER_ASSESSMENTS = ["assessments.selectors.course_learner_assessments"]
# Steps of publishing a course taken by later apps (see ``courses.selectors.PublishStep``):
# dotted paths to objects with ``plan(course=)`` (what the release will ask of learners, shown
# to authors before publishing) and ``run(course=, release=, actor=)`` (inside the publish's
# transaction; a ``ValidationError`` refuses the whole publish).
COURSE_PUBLISH_STEPS = ["assessments.services.COURSE_PUBLISH_STEP"]
# Assessments: the most questions one attempt may show; publishing refuses an assessment
# whose attempts could show more (pools draw fewer).
ASSESSMENT_MAX_QUESTIONS = env_int("ASSESSMENT_MAX_QUESTIONS", 200)
# Assessments: the most questions one GIFT or CSV import may add (a larger file is refused
# before anything is written; split it).
QUESTION_IMPORT_MAX_QUESTIONS = env_int("QUESTION_IMPORT_MAX_QUESTIONS", 2000)
# E-mail a copy of each notification to people with an address (to var/mail/ unless EMAIL_HOST is set).
NOTIFICATIONS_EMAIL = env_bool("NOTIFICATIONS_EMAIL", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"without_traceback": {"()": "lms.request_body.WithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # A refused request body is logged in one line (Django would add a traceback).
    "loggers": {
        f"django.security.{name}": {"filters": ["without_traceback"]}
        for name in ("RequestBodyTooLarge", "FilePartRefused")
    },
}
