"""gunicorn's settings for this project, read from the folder gunicorn starts in (``./dev up``
and the README's deployment start it here); a flag on the command line overrides them.

Sync workers (gunicorn's default, as deployed) serve one request each at a time, reading
its body included. A body that comes slowly, or never, holds its worker until ``timeout``
seconds pass without the worker finishing the request; gunicorn then replaces the worker.
The TLS proxy in front receives each body whole before passing it on (README, deployment),
so only a stuck request ever reaches this bound, and none of the pages or API calls takes
near it (long work runs in Celery). Request bodies are bounded in size by the application
(``lms/request_body.py``).
"""

import os

# WEB_TIMEOUT_SECONDS, as WEB_CONCURRENCY sets the number of workers (gunicorn reads that one).
timeout = int(os.environ.get("WEB_TIMEOUT_SECONDS") or 30)
