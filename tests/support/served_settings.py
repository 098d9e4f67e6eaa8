"""Settings for the web server that the load test and the fault drills start (gunicorn).

The worker settings (``tests.support.worker_settings``: broker, database and media folder
from the environment), with what a deployment has on top: the cache of ``CACHE_URL``
(Redis: the sign-in throttles are shared by the web processes, and go away with Redis),
DEBUG off (an error is a clean page, never a traceback), and ``tests.support.served_urls``
as URLconf (the project's URLs plus an empty view to measure against).
"""

from lms.settings import base
from tests.support.worker_settings import *  # noqa: F403

CACHES = base.CACHES
DEBUG = False
ROOT_URLCONF = "tests.support.served_urls"
