"""Lesson page benchmark: requests per second of a trainee's lesson page against a baseline.

    .venv/bin/python bench/lesson_page.py [--requests 400] [--rounds 5]

Measures, in one run on a throwaway database and through the whole middleware stack
(sessions, locale, CSRF, authentication, messages) with ``django.test.Client``:

- ``lesson``: ``/lessons/<id>/`` for a signed-in, enrolled trainee: the longest lesson of
  the demo course COP-101 (all its modules and lessons, seeded through the services), one
  lesson already completed, the full layout with navigation and notifications;
- ``baseline``: a view defined here, behind the same login check, that runs one query (the
  lesson's title) and renders a one-line template: the floor any page stands on.

The two alternate in ``--rounds`` rounds of ``--requests`` each after a warm-up; each
figure is the median of its rounds. ``ratio`` = lesson / baseline (target: at least 0.25).
It prints the figures, then one JSON line. The database is never the developer's: the
Django test-database machinery creates a fresh one and migrates it, a SQLite file in a
temporary directory (``LMS_VAR_DIR`` points there too, so nothing touches ``var/``), or,
when ``DATABASE_URL`` names a PostgreSQL server, a database called ``bench_lesson_page``
on it, dropped at the end.
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VAR_DIR = Path(tempfile.mkdtemp(prefix="lms-bench-"))
os.environ["LMS_VAR_DIR"] = str(VAR_DIR)
os.environ["DJANGO_SETTINGS_MODULE"] = "lms.settings.test"

import django  # noqa: E402

django.setup()

from django.contrib.auth.decorators import login_required  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.template import Context, Template  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import path, reverse  # noqa: E402

from courses import services  # noqa: E402
from courses.demo import courses_read  # noqa: E402
from courses.models import Lesson  # noqa: E402
from lms import urls as project_urls  # noqa: E402
from organisations import services as organisation_services  # noqa: E402
from organisations.models import Officer, PoliceService, Unit, User  # noqa: E402

BASELINE_TEMPLATE = Template("<!doctype html><title>{{ title }}</title><p>{{ title }}</p>")


@login_required
def baseline_view(request, pk: int):
    """One query and a tiny template, behind the same login check as the lesson page."""
    title = Lesson.objects.filter(pk=pk).values_list("title", flat=True).first()
    return HttpResponse(BASELINE_TEMPLATE.render(Context({"title": title})))


# The project's URLs plus the baseline, so both go through the same resolver and middleware.
bench_urls = types.ModuleType("bench_lesson_page_urls")
bench_urls.urlpatterns = [
    path("bench/baseline/<int:pk>/", baseline_view, name="bench-baseline"),
    *project_urls.urlpatterns,
]
sys.modules[bench_urls.__name__] = bench_urls


def seed() -> tuple[User, Lesson]:
    """The demo course COP-101 (every module and lesson), a trainee enrolled in it with one
    lesson completed; returns the trainee and the longest lesson (not completed yet)."""
    service = PoliceService.objects.create(code="BNP", name="Bench National Police", country="Kessara")
    nation = organisation_services.unit_create(
        service=service, code="HQ", name="Headquarters", unit_type=Unit.Type.NATIONAL
    )
    station = organisation_services.unit_create(
        service=service, parent=nation, code="ST1", name="Central Station", unit_type=Unit.Type.STATION
    )
    author = User.objects.create_user(username="bench.author", password="Bench-Pass-2026")
    trainee = User.objects.create_user(username="bench.trainee", password="Bench-Pass-2026")
    Officer.objects.create(
        service=service,
        service_number="BN-000001",
        given_name="Aïcha",
        family_name="Kaboré",
        sex=Officer.Sex.FEMALE,
        rank="Constable",
        unit=station,
        user=trainee,
    )
    spec = next(course for course in courses_read() if course.code == "COP-101")
    course = services.course_create(
        creator=author,
        code=spec.code,
        title=spec.fields["title"],
        summary=spec.fields["summary"],
        competencies=spec.fields["competencies"],
    )
    for module_spec in spec.modules:
        module = services.module_create(course=course, title=module_spec.title)
        for fields in module_spec.lessons:
            services.lesson_create(module=module, **fields)
    services.course_publish(course=course, actor=author)
    enrollment, _ = services.enrollment_create_self(course=course, user=trainee)
    lessons = list(Lesson.objects.filter(module__course=course).order_by("module__order", "order"))
    longest = max(lessons, key=lambda lesson: len(lesson.body_html))
    services.lesson_complete(enrollment=enrollment, lesson=next(lesson for lesson in lessons if lesson != longest))
    return trainee, longest


def requests_per_second(client: Client, url: str, count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per round and page")
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()

    trainee, lesson = seed()
    client = Client()
    client.force_login(trainee)
    lesson_url = reverse("lesson-detail", args=[lesson.pk])
    baseline_url = reverse("bench-baseline", args=[lesson.pk])

    with CaptureQueriesContext(connection) as captured:
        page = client.get(lesson_url)
    lesson_queries = len(captured)
    with CaptureQueriesContext(connection) as captured:
        client.get(baseline_url)
    baseline_queries = len(captured)
    if page.status_code != 200 or b"Mark as completed" not in page.content:
        raise SystemExit(f"The lesson page is not what a trainee sees: {page.status_code}")

    for url in (lesson_url, baseline_url):  # warm-up: templates, translations, connections
        requests_per_second(client, url, 50)
    lesson_rounds, baseline_rounds = [], []
    for _ in range(arguments.rounds):
        lesson_rounds.append(requests_per_second(client, lesson_url, arguments.requests))
        baseline_rounds.append(requests_per_second(client, baseline_url, arguments.requests))
    lesson_rps = statistics.median(lesson_rounds)
    baseline_rps = statistics.median(baseline_rounds)
    ratio = lesson_rps / baseline_rps

    vendor = connection.vendor
    lessons = Lesson.objects.filter(module__course=lesson.module.course_id).count()
    print(f"Lesson page benchmark on {vendor}: {arguments.rounds} rounds of {arguments.requests} requests per page")
    print(f"  lesson  {lesson.title!r} ({len(lesson.body_html):,} bytes of HTML body, course of {lessons} lessons)")
    print(f"  page size             {len(page.content) / 1024:6.1f} KiB, {lesson_queries} queries")
    print(f"  baseline (1 query)    {baseline_rps:8.1f} requests/s  ({baseline_queries} queries with the session)")
    print(f"  lesson page           {lesson_rps:8.1f} requests/s  ({ratio:.2f} x baseline; target >= 0.25)")
    print(
        json.dumps(
            {
                "database": vendor,
                "requests": arguments.requests,
                "rounds": arguments.rounds,
                "lesson_rps": round(lesson_rps, 1),
                "baseline_rps": round(baseline_rps, 1),
                "ratio": round(ratio, 3),
                "lesson_queries": lesson_queries,
                "baseline_queries": baseline_queries,
                "lesson_page_bytes": len(page.content),
            }
        )
    )


if __name__ == "__main__":
    if connection.vendor == "postgresql":
        connection.settings_dict["TEST"]["NAME"] = "bench_lesson_page"
    original_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        with override_settings(ROOT_URLCONF=bench_urls.__name__):
            main()
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)
        shutil.rmtree(VAR_DIR, ignore_errors=True)
