"""Settings for a Celery worker that an integration test starts (tests/integration).

The test settings, with the project's event handlers plus the test ones, and the broker
that the test chose in place of the in-memory one: ``CELERY_BROKER_URL`` as usual, its
transport options from ``lms.settings.base`` (with ``LMS_VAR_DIR`` naming the folder of a
filesystem broker) plus any JSON in ``LMS_TEST_BROKER_TRANSPORT_OPTIONS``. ``DATABASE_URL``
names the test database of the process that started the worker; ``LMS_TEST_MEDIA_ROOT``,
when set, its media folder (the test settings otherwise give each process a folder of its
own, and a test that reads what a worker stored needs the same one).
"""

import json

from lms.settings import base
from lms.settings.env import env_str
from lms.settings.test import *  # noqa: F403
from lms.settings.test import MEDIA_ROOT as _TEST_MEDIA_ROOT
from tests.support.events import EVENT_HANDLERS

CELERY_BROKER_URL = CELERY_BROKER_READ_URL = CELERY_BROKER_WRITE_URL = base.CELERY_BROKER_URL
CELERY_BROKER_TRANSPORT_OPTIONS = base.CELERY_BROKER_TRANSPORT_OPTIONS | json.loads(
    env_str("LMS_TEST_BROKER_TRANSPORT_OPTIONS", "{}")
)
# The real handlers too (certificates, notification e-mail), so that a test can run the
# project's own event chains in a worker; the test events have names of their own.
LMS_EVENT_HANDLERS = base.LMS_EVENT_HANDLERS | EVENT_HANDLERS
MEDIA_ROOT = env_str("LMS_TEST_MEDIA_ROOT", _TEST_MEDIA_ROOT)
