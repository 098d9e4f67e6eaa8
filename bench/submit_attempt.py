"""Submit-and-grade benchmark: 50-question attempts through ``attempt_submit`` against a baseline.

    .venv/bin/python bench/submit_attempt.py [--attempts 100] [--rounds 3]

On a throwaway database (the Django test-database machinery: a SQLite file in a temporary
directory, or, when ``DATABASE_URL`` names PostgreSQL, a database ``bench_submit_attempt``
dropped at the end), one course, one trainee and one assessment of 50 questions of mixed
kinds (single, multiple, true/false, numeric, short text; no essays) are seeded through
the services. Then, per round:

- ``submit``: ``--attempts`` attempts are started (not timed) and each submitted through
  ``assessments.services.attempt_submit`` with its 50 answers (one open attempt per
  trainee, ``--attempts`` trainees) in the call: locking, saving,
  grading, scoring, audit, the completion check (timed);
- ``baseline``: the minimum equivalent writes in one transaction per attempt: a
  ``bulk_create`` of the same 50 Answer rows with their grades and one Attempt update.

Each figure is the median of its rounds; ``ratio`` = submit / baseline. It prints the
figures, then one JSON line.
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VAR_DIR = Path(tempfile.mkdtemp(prefix="lms-bench-"))
os.environ["LMS_VAR_DIR"] = str(VAR_DIR)
os.environ["DJANGO_SETTINGS_MODULE"] = "lms.settings.test"

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from assessments import services  # noqa: E402
from assessments.models import Answer, Assessment, Attempt  # noqa: E402
from courses import services as course_services  # noqa: E402
from organisations import services as organisation_services  # noqa: E402
from organisations.models import Officer, PoliceService, Unit, User  # noqa: E402

QUESTIONS = 50


def question(index: int) -> dict:
    kind = ("single", "multiple", "true_false", "numeric", "short_text")[index % 5]
    data = {"kind": kind, "text": f"Question {index}", "explanation": "Because.", "points": Decimal(1)}
    data["numeric_tolerance"] = Decimal(0)
    if kind == "single":
        data["choices"] = [{"text": f"Choice {n}", "correct": n == 0} for n in range(4)]
    elif kind == "multiple":
        data["choices"] = [{"text": f"Choice {n}", "correct": n < 2} for n in range(5)]
    elif kind == "true_false":
        data["choices"] = [{"text": "True", "correct": True}, {"text": "False", "correct": False}]
    elif kind == "numeric":
        data["numeric_answer"], data["numeric_tolerance"] = Decimal(48), Decimal("0.5")
    else:
        data["accepted_answers"] = ["Scanning", "Scan"]
    return data


def seed(trainees: int) -> tuple[list[User], Assessment]:
    """A course with one lesson and a 50-question assessment; ``trainees`` officers enrolled."""
    service = PoliceService.objects.create(code="BNP", name="Bench National Police", country="Kessara")
    nation = organisation_services.unit_create(service=service, code="HQ", name="HQ", unit_type=Unit.Type.NATIONAL)
    author = User.objects.create_user(username="bench.author", password="Bench-Pass-2026")
    course = course_services.course_create(creator=author, code="BENCH-1", title="Bench", summary="Bench")
    module = course_services.module_create(course=course, title="Module")
    course_services.lesson_create(module=module, title="Lesson", body="Body")
    course_services.course_publish(course=course, actor=author)
    users = []
    for number in range(1, trainees + 1):
        user = User.objects.create_user(username=f"bench.trainee.{number}")
        Officer.objects.create(
            service=service,
            service_number=f"BN-{number:06d}",
            given_name="Aïcha",
            family_name="Kaboré",
            sex=Officer.Sex.FEMALE,
            rank="Constable",
            unit=nation,
            user=user,
        )
        course_services.enrollment_create_self(course=course, user=user)
        users.append(user)
    assessment = services.assessment_create(course=course, title="Bench", actor=author, pass_mark=70)
    services.questions_import(bank=assessment.bank, questions=[question(i) for i in range(QUESTIONS)], actor=author)
    services.assessment_publish(assessment=assessment, actor=author)
    return users, assessment


def answers_for(attempt: Attempt) -> list[tuple[int, dict]]:
    """Mostly right, some wrong: every question answered."""
    answers = []
    for index, shown in enumerate(attempt.snapshot):
        right = index % 4 != 0
        if shown["kind"] in ("numeric", "short_text"):
            text = ("48" if shown["kind"] == "numeric" else "scanning") if right else "12"
            answers.append((shown["id"], {"text": text}))
        else:
            ids = [c["id"] for c in shown["choices"] if c["correct"] == right]
            answers.append((shown["id"], {"choices": ids if shown["kind"] == "multiple" else ids[:1]}))
    return answers


def started(users: list[User], assessment: Assessment) -> list[tuple[User, Attempt, list]]:
    """One open attempt per trainee (no attempt limit), with its answers (not timed)."""
    result = []
    for user in users:
        attempt = services.attempt_start(assessment=assessment, user=user)
        result.append((user, attempt, answers_for(attempt)))
    return result


def submit_rate(work: list) -> float:
    start = time.perf_counter()
    for user, attempt, answers in work:
        services.attempt_submit(attempt=attempt, user=user, answers=answers)
    return len(work) / (time.perf_counter() - start)


def baseline_submit(attempt: Attempt, answers: list) -> None:
    now = timezone.now()
    with transaction.atomic():
        Answer.objects.bulk_create(
            [
                Answer(attempt=attempt, question_id=qid, response=r, points=1, is_correct=True, saved_at=now)
                for qid, r in answers
            ]
        )
        Attempt.objects.filter(pk=attempt.pk).update(
            status=Attempt.Status.GRADED, submitted_at=now, score=Decimal(75), is_passed=True, graded_at=now
        )


def baseline_rate(work: list) -> float:
    start = time.perf_counter()
    for _user, attempt, answers in work:
        baseline_submit(attempt, answers)
    return len(work) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attempts", type=int, default=100, help="attempts per round and path")
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()

    users, assessment = seed(arguments.attempts)
    # Queries of one submit, measured once.
    user, attempt, answers = started(users[:1], assessment)[0]
    with CaptureQueriesContext(connection) as captured:
        result = services.attempt_submit(attempt=attempt, user=user, answers=answers)
    submit_queries = len(captured)
    if result.status != Attempt.Status.GRADED or result.score is None:
        raise SystemExit(f"The submit did not grade: {result.status}")
    _user, attempt, answers = started(users[:1], assessment)[0]
    with CaptureQueriesContext(connection) as captured:
        baseline_submit(attempt, answers)
    baseline_queries = len(captured)

    submit_rounds, baseline_rounds = [], []
    for _ in range(arguments.rounds):
        submit_rounds.append(submit_rate(started(users, assessment)))
        baseline_rounds.append(baseline_rate(started(users, assessment)))
    submit_per_second = statistics.median(submit_rounds)
    baseline_per_second = statistics.median(baseline_rounds)
    ratio = submit_per_second / baseline_per_second

    vendor = connection.vendor
    print(f"Submit-and-grade benchmark on {vendor}: {arguments.rounds} rounds of {arguments.attempts} attempts")
    print(f"  attempt of {QUESTIONS} questions (single, multiple, true/false, numeric, short text)")
    print(f"  baseline (bulk insert + update)  {baseline_per_second:8.1f} attempts/s  ({baseline_queries} queries)")
    print(f"  attempt_submit                   {submit_per_second:8.1f} attempts/s  ({submit_queries} queries)")
    print(f"  ratio                            {ratio:8.3f}")
    print(
        json.dumps(
            {
                "database": vendor,
                "questions": QUESTIONS,
                "attempts": arguments.attempts,
                "rounds": arguments.rounds,
                "attempts_per_second": round(submit_per_second, 1),
                "baseline_per_second": round(baseline_per_second, 1),
                "ratio": round(ratio, 3),
                "submit_queries": submit_queries,
                "baseline_queries": baseline_queries,
            }
        )
    )


if __name__ == "__main__":
    if connection.vendor == "postgresql":
        connection.settings_dict["TEST"]["NAME"] = "bench_submit_attempt"
    original_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        main()
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)
        shutil.rmtree(VAR_DIR, ignore_errors=True)
