"""The project's URLs plus an empty page, for the load test (``bench/load.py``).

The empty page stands behind the same middleware and login check as a lesson page and does
nothing else: the floor that any page of a signed-in person stands on.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path

from lms.urls import handler400  # noqa: F401 (Django looks it up here)
from lms.urls import urlpatterns as project_urlpatterns

EMPTY_PATH = "/bench/empty/"


@login_required
def empty_view(request):
    return HttpResponse(b"", content_type="text/plain")


urlpatterns = [path(EMPTY_PATH.strip("/") + "/", empty_view, name="bench-empty"), *project_urlpatterns]
