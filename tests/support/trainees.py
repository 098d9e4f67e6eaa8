"""Trainees who take a course over HTTP, for the load test and the fault drills.

``training_seed`` writes, through the services, a police service of a headquarters and
four stations, a course of the demo content (COP-101: six lessons in three modules) owned
by a mission with signatories, its required final assessment (ten single-choice
questions), and trainees with accounts, enrolled, spread over the stations.

``TraineeClient`` is one trainee in a browser and an app at once: a session cookie (signed
in through the login page) for the HTML pages and an API token for the API, both obtained
before the measured window. Every response goes to a ``Recorder``: endpoint, status,
seconds, and whether its body shows a traceback (it must never: DEBUG is off and every
error is a clean page or JSON).
"""

import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import requests
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from assessments import services as assessment_services
from certificates.models import Signatory
from courses import services as course_services
from courses.demo import courses_read
from courses.models import Enrollment, Lesson, LessonProgress
from organisations import services as organisation_services
from organisations.models import Officer, Organisation, PoliceService, Unit, User

PASSWORD = "Trainee-Pass-2026"
STATIONS = 4
QUESTIONS = 10
REQUEST_TIMEOUT_SECONDS = 30
# What a Django debug page, a server traceback or a DRF exception dump would show.
TRACEBACK_MARKERS = (b"Traceback (most recent call last)", b"Exception Value:", b"Exception Location:", b'File "/')
CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
COURSE_SPEC = next(course for course in courses_read() if course.code == "COP-101")
LESSONS = sum(len(module.lessons) for module in COURSE_SPEC.modules)


@dataclass(frozen=True)
class TrainingSeed:
    course_id: int
    lesson_ids: list[int]
    assessment_id: int
    competencies: list[str]
    correct_choices: frozenset[str]  # the text of each question's right choice
    usernames: list[str]


def _question(number: int) -> dict:
    return {
        "kind": "single",
        "points": Decimal(1),
        "numeric_tolerance": Decimal(0),
        "text": f"Scenario {number}: which response is lawful, necessary and proportionate?",
        "choices": [
            {"text": f"Response {number}: de-escalate and explain", "correct": True},
            *({"text": f"Response {number}: option {letter}", "correct": False} for letter in "ABC"),
        ],
    }


@transaction.atomic
def training_seed(*, trainees: int, prefix: str = "LD", lessons_done: int = 0) -> TrainingSeed:
    """The course, its assessment and ``trainees`` enrolled trainees (usernames
    ``<prefix>.trainee.<n>``, password ``PASSWORD``), each with the first ``lessons_done``
    lessons completed (the rows ``lesson_complete`` writes, in bulk)."""
    service = PoliceService.objects.create(code=prefix, name=f"{prefix} National Police", country="Kessara")
    nation = organisation_services.unit_create(
        service=service, code="HQ", name="National Headquarters", unit_type=Unit.Type.NATIONAL
    )
    stations = [
        organisation_services.unit_create(
            service=service, parent=nation, code=f"ST{n}", name=f"Station {n}", unit_type=Unit.Type.STATION
        )
        for n in range(1, STATIONS + 1)
    ]
    mission = Organisation.objects.create(
        acronym=f"UN{prefix}", name="United Nations Integrated Mission in Kessara", kind=Organisation.Kind.MISSION
    )
    Signatory.objects.create(organisation=mission, name="Ama Mensah", title="Police Commissioner", order=1)
    author = User.objects.create_user(username=f"{prefix.lower()}.author")
    spec = COURSE_SPEC
    course = course_services.course_create(
        creator=author,
        code=f"{prefix}-{spec.code}",
        title=spec.fields["title"],
        summary=spec.fields["summary"],
        competencies=spec.fields["competencies"],
        owner=mission,
    )
    for module_spec in spec.modules:
        module = course_services.module_create(course=course, title=module_spec.title)
        for fields in module_spec.lessons:
            course_services.lesson_create(module=module, **fields)
    # Published before the course, so that it binds every enrolment of the release.
    assessment = assessment_services.assessment_create(course=course, title="Final assessment", actor=author)
    assessment_services.questions_import(
        bank=assessment.bank, questions=[_question(n) for n in range(1, QUESTIONS + 1)], actor=author
    )
    assessment_services.assessment_publish(assessment=assessment, actor=author)
    course_services.course_publish(course=course, actor=author)

    password = make_password(PASSWORD)  # one hash for all: signing in stays as costly
    users = User.objects.bulk_create(
        User(username=f"{prefix.lower()}.trainee.{n}", password=password) for n in range(1, trainees + 1)
    )
    for n, user in enumerate(users, start=1):
        Officer.objects.create(
            service=service,
            service_number=f"{prefix}-{n:06d}",
            given_name="Aïcha" if n % 2 else "François",
            family_name=f"Kaboré-{n}",
            sex=Officer.Sex.FEMALE if n % 2 else Officer.Sex.MALE,
            rank="Constable",
            unit=stations[n % STATIONS],
            user=user,
        )
        course_services.enrollment_create_self(course=course, user=user)
    lessons = list(Lesson.objects.filter(module__course=course).order_by("module__order", "order"))
    if lessons_done:
        enrollments = Enrollment.objects.filter(course=course)
        now = timezone.now()
        LessonProgress.objects.bulk_create(
            LessonProgress(enrollment=enrollment, lesson=lesson, completed_at=now)
            for enrollment in enrollments
            for lesson in lessons[:lessons_done]
        )
        enrollments.update(last_lesson=lessons[lessons_done - 1])
    return TrainingSeed(
        course_id=course.pk,
        lesson_ids=[lesson.pk for lesson in lessons],
        assessment_id=assessment.pk,
        competencies=list(course.competencies),
        correct_choices=frozenset(_question(n)["choices"][0]["text"] for n in range(1, QUESTIONS + 1)),
        usernames=[user.username for user in users],
    )


@dataclass(frozen=True)
class Sample:
    endpoint: str
    status: int  # 0: no response (connection refused or reset, timeout)
    seconds: float
    at: float  # time.monotonic() when the request was sent
    has_traceback: bool


@dataclass
class Recorder:
    samples: list[Sample] = field(default_factory=list)
    tracebacks: list[str] = field(default_factory=list)  # "endpoint status: first bytes of the body"
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample, body: bytes) -> None:
        with self.lock:
            self.samples.append(sample)
            if sample.has_traceback:
                self.tracebacks.append(f"{sample.endpoint} {sample.status}: {body[:2000]!r}")

    def statuses(self, since: float = 0.0) -> Counter:
        with self.lock:
            return Counter(sample.status for sample in self.samples if sample.at >= since)


class TraineeClient:
    """One trainee's requests; ``sign_in`` first. Methods return the response (or None
    when the server did not answer) after recording it."""

    password = PASSWORD  # every seeded trainee's

    def __init__(self, base_url: str, username: str, recorder: Recorder):
        self.base_url = base_url
        self.username = username
        self.recorder = recorder
        self.session = requests.Session()
        self.token = ""

    def request(self, method: str, endpoint: str, path: str, **options) -> requests.Response | None:
        """``endpoint`` names the URL pattern in the figures (``GET /lessons/{id}/``)."""
        headers = options.pop("headers", {})
        if path.startswith("/api/") and self.token:
            headers["Authorization"] = f"Token {self.token}"
        began = time.monotonic()
        try:
            response = self.session.request(
                method, self.base_url + path, headers=headers, timeout=REQUEST_TIMEOUT_SECONDS, **options
            )
        except requests.RequestException:
            self.recorder.add(Sample(endpoint, 0, time.monotonic() - began, began, False), b"")
            return None
        seconds = time.monotonic() - began
        body = response.content
        has_traceback = any(marker in body for marker in TRACEBACK_MARKERS)
        self.recorder.add(Sample(endpoint, response.status_code, seconds, began, has_traceback), body)
        return response

    def page_sign_in(self) -> requests.Response | None:
        """The login page, then its form: a 302 and a session cookie when it worked."""
        page = self.request("GET", "GET /accounts/login/", "/accounts/login/")
        if page is None or page.status_code != 200:
            return page
        form = {
            "username": self.username,
            "password": self.password,
            "csrfmiddlewaretoken": CSRF_FIELD.search(page.content)[1].decode(),
        }
        return self.request(
            "POST",
            "POST /accounts/login/",
            "/accounts/login/",
            data=form,
            allow_redirects=False,
            headers={"Referer": self.base_url + "/accounts/login/"},
        )

    def token_obtain(self) -> requests.Response | None:
        answer = self.request(
            "POST",
            "POST /api/v1/auth/token/",
            "/api/v1/auth/token/",
            json={"username": self.username, "password": self.password},
        )
        if answer is not None and answer.status_code == 200:
            self.token = answer.json()["token"]
        return answer

    def sign_in(self) -> None:
        """Through the login page (a session), then the token endpoint (an API token)."""
        signed_in = self.page_sign_in()
        if signed_in is None or signed_in.status_code != 302:
            raise RuntimeError(f"{self.username}: signing in answered {signed_in and signed_in.status_code}")
        answer = self.token_obtain()
        if answer is None or answer.status_code != 200:
            raise RuntimeError(f"{self.username}: the token endpoint answered {answer and answer.status_code}")

    def lesson_read(self, lesson_id: int) -> requests.Response | None:
        return self.request("GET", "GET /lessons/{id}/", f"/lessons/{lesson_id}/")

    def empty_read(self) -> requests.Response | None:
        return self.request("GET", "GET /bench/empty/", "/bench/empty/")

    def lesson_complete(self, lesson_id: int) -> requests.Response | None:
        return self.request("POST", "POST /api/v1/lessons/{id}/complete/", f"/api/v1/lessons/{lesson_id}/complete/")

    def attempt_start(self, assessment_id: int) -> requests.Response | None:
        return self.request(
            "POST", "POST /api/v1/assessments/{id}/attempts/", f"/api/v1/assessments/{assessment_id}/attempts/"
        )

    def attempt_submit(self, attempt: dict, correct_choices: frozenset[str]) -> requests.Response | None:
        """Submit every answer of a started attempt (its JSON), choosing the right ones."""
        answers = [
            {
                "question": question["id"],
                "choices": [c["id"] for c in question["choices"] if c["text"] in correct_choices],
            }
            for question in attempt["questions"]
        ]
        return self.request(
            "POST",
            "POST /api/v1/attempts/{id}/submit/",
            f"/api/v1/attempts/{attempt['id']}/submit/",
            json={"answers": answers},
        )
