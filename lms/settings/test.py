"""Tests: base settings with an isolated broker, cache and media, and fast hashing.

Integration tests start real workers: they pass their own broker and database to the
worker process through the environment (see tests/integration/conftest.py).
"""

import os
import secrets
import tempfile
from pathlib import Path

from lms.settings.base import *  # noqa: F403
from lms.settings.base import DATABASES, SECRET_KEY, STATIC_ROOT, VAR_DIR
from lms.settings.env import env_str

# A run without `./dev test` (pytest alone on a fresh clone) has no key in var/: one of its own.
SECRET_KEY = SECRET_KEY or secrets.token_urlsafe(64)
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="lms-test-media-"))
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Unit tests never reach a worker: messages published on commit stay in memory. Celery
# prefers a CELERY_BROKER_URL environment variable to this setting (CI exports one for
# the Redis run), but not to the read and write URLs, so those pin the broker.
CELERY_BROKER_URL = CELERY_BROKER_READ_URL = CELERY_BROKER_WRITE_URL = "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not :memory:, so that a worker process in an integration test sees it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
elif env_str("TEST_DATABASE_NAME", ""):
    # Two test runs on one PostgreSQL server (a CI check beside a developer's run) need
    # test databases of their own: Django drops its test database at the end.
    DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", "")}

STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
