"""Publishing a course publishes its ready assessments into the same release (issue 13).

One rule says when an assessment is ready (``selectors.assessment_publish_problems``): the
assessment's own publish, the course publish and the plan on the course's authoring page
ask it. A required draft that is not ready refuses the course publish, naming it, and
nothing is written; an optional one stays a draft. A release that requires a final never
completes before the final is passed.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import services
from assessments.models import Assessment, Question
from courses import services as course_services
from courses.models import Course, CourseCompletion, CourseRelease, Enrollment
from lms.audit.models import AuditEntry
from lms.events.models import Event
from tests.assessments.conftest import questions_add
from tests.factories import OfficerFactory, UserFactory


def _post(client, user, url: str, data: dict | None = None):
    client.force_authenticate(user)
    return client.post(url, data or {}, format="json")


def _created(response) -> int:
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _single(text: str, competency: str = "") -> dict:
    return {
        "kind": "single",
        "text": text,
        "competency": competency,
        "choices": [{"text": "Right", "correct": True}, {"text": "Wrong"}],
    }


def _api_course(client, author) -> tuple[int, int, list[int]]:
    """A draft course made through the API: one module, two lessons. Returns the ids."""
    course_id = _created(_post(client, author, "/api/v1/courses/", {"code": "HR-301", "title": "Arrest and rights"}))
    module_id = _created(_post(client, author, f"/api/v1/courses/{course_id}/modules/", {"title": "Arrest"}))
    lesson_ids = [
        _created(_post(client, author, f"/api/v1/modules/{module_id}/lessons/", {"title": title, "body": "Text"}))
        for title in ("Grounds", "Rights on arrest")
    ]
    return course_id, module_id, lesson_ids


def _state(course_id: int) -> dict:
    return {
        "course": Course.objects.filter(pk=course_id).values_list("status", flat=True).get(),
        "releases": CourseRelease.objects.count(),
        "published": list(Assessment.objects.order_by("pk").values_list("title", "published_at")),
        "audit": list(AuditEntry.objects.order_by("pk").values_list("action", "target_id")),
        "events": Event.objects.count(),
    }


# Through the API, as a new author and a new trainee would -------------------------------


def test_a_release_that_requires_a_final_completes_only_once_the_final_is_passed(api_client, people):
    author, trainee = people.trainer_north, people.trainee
    course_id, _module_id, lesson_ids = _api_course(api_client, author)
    final_id = _created(_post(api_client, author, "/api/v1/assessments/", {"course": course_id, "title": "Final test"}))
    for text in ("May an officer hold someone without grounds?", "Must a detainee be told why?"):
        _created(_post(api_client, author, f"/api/v1/assessments/{final_id}/questions/", _single(text)))

    published = _post(api_client, author, f"/api/v1/courses/{course_id}/publish/")

    assert (published.status_code, published.json()) == (200, {"status": "published", "release": 1})
    release = CourseRelease.objects.get(course_id=course_id)
    assert Assessment.objects.get(pk=final_id).published_at == release.published_at
    enrolled = _post(api_client, trainee, f"/api/v1/courses/{course_id}/enrol/")
    assert enrolled.status_code == 201
    progress = [_post(api_client, trainee, f"/api/v1/lessons/{pk}/complete/").json() for pk in lesson_ids]
    assert progress == [{"progress": 33}, {"progress": 66}]  # the final still to pass counts as a third
    mine = api_client.get("/api/v1/enrollments/", {"course": course_id}).json()["results"]
    assert [enrollment["status"] for enrollment in mine] == ["in_progress"]
    assert not CourseCompletion.objects.exists()

    started = _post(api_client, trainee, f"/api/v1/assessments/{final_id}/attempts/")
    assert started.status_code == 201, started.content
    answers = [
        {"question": question["id"], "choices": [c["id"] for c in question["choices"] if c["text"] == "Right"]}
        for question in started.json()["questions"]
    ]
    submitted = _post(api_client, trainee, f"/api/v1/attempts/{started.json()['id']}/submit/", {"answers": answers})

    assert submitted.json() == {"score": "100.00", "passed": True, "status": "graded"}
    mine = api_client.get("/api/v1/enrollments/", {"course": course_id}).json()["results"]
    assert [enrollment["status"] for enrollment in mine] == ["completed"]
    assert CourseCompletion.objects.filter(course_id=course_id, release=release).count() == 1

    # The trainee's station commander enrols too: as a leader he sees the attempt, and as
    # someone who takes the same final he reads neither its key nor the trainee's answers.
    commander = UserFactory(username="station.commander")
    OfficerFactory(unit=trainee.officer.unit, user=commander, is_commander=True)
    assert _post(api_client, commander, f"/api/v1/courses/{course_id}/enrol/").status_code == 201
    seen = api_client.get(f"/api/v1/attempts/{started.json()['id']}/")
    assert seen.status_code == 200
    assert seen.json()["is_feedback_visible"] is False
    assert b"correct" not in seen.content.lower()
    assert all("response" not in question for question in seen.json()["questions"])
    assert api_client.get(f"/api/v1/assessments/{final_id}/questions/export/").status_code == 403


def test_the_publish_is_refused_naming_each_required_assessment_that_is_not_ready(api_client, people):
    author = people.trainer_north
    course_id, module_id, _lesson_ids = _api_course(api_client, author)
    _created(_post(api_client, author, "/api/v1/assessments/", {"course": course_id, "title": "Final test"}))
    exam_id = _created(_post(api_client, author, "/api/v1/assessments/", {"course": course_id, "title": "Exam"}))
    questions = [
        _created(_post(api_client, author, f"/api/v1/assessments/{exam_id}/questions/", _single(f"Q{n}", "HR")))
        for n in range(3)
    ]
    pool = _post(api_client, author, f"/api/v1/assessments/{exam_id}/pools/", {"tag": "HR", "count": 3})
    assert pool.status_code == 201, pool.content
    assert _post(api_client, author, f"/api/v1/questions/{questions[0]}/archive/").status_code == 200
    quiz = {"course": course_id, "module": module_id, "title": "Warm-up quiz"}  # optional, empty
    _created(_post(api_client, author, "/api/v1/assessments/", quiz))
    before = _state(course_id)

    refused = _post(api_client, author, f"/api/v1/courses/{course_id}/publish/")

    assert refused.status_code == 400
    assert refused.json() == {
        "non_field_errors": [
            "Final test: add questions first.",
            "Exam: the pool HR draws 3 questions but the bank has 2 live ones with that tag.",
        ]
    }
    assert _state(course_id) == before
    assert before["course"] == "draft"
    assert before["releases"] == 0
    assert [published_at for _title, published_at in before["published"]] == [None, None, None]


def test_an_optional_quiz_that_is_not_ready_stays_a_draft_and_does_not_block(api_client, people):
    author = people.trainer_north
    course_id, module_id, _lesson_ids = _api_course(api_client, author)
    final_id = _created(_post(api_client, author, "/api/v1/assessments/", {"course": course_id, "title": "Final test"}))
    _created(_post(api_client, author, f"/api/v1/assessments/{final_id}/questions/", _single("Q?")))
    quiz = {"course": course_id, "module": module_id, "title": "Warm-up quiz"}
    quiz_id = _created(_post(api_client, author, "/api/v1/assessments/", quiz))

    published = _post(api_client, author, f"/api/v1/courses/{course_id}/publish/")

    assert published.status_code == 200
    release = CourseRelease.objects.get(course_id=course_id)
    assert Assessment.objects.get(pk=final_id).published_at == release.published_at
    assert Assessment.objects.get(pk=quiz_id).published_at is None
    entries = AuditEntry.objects.filter(action="assessment.publish")
    assert [(entry.target_id, entry.actor_id, entry.after) for entry in entries] == [
        (str(final_id), author.pk, {"published_at": str(release.published_at), "release": 1})
    ]


# The course publish step --------------------------------------------------------------------


def test_an_assessment_published_with_a_later_release_binds_only_that_release_on(people, course):
    author = people.trainer_north
    course_services.course_publish(course=course, actor=author)
    first = course_services.enrollment_create_self(course=course, user=people.trainee)[0]
    final = services.assessment_create(course=course, title="Final test", actor=author)
    questions_add(final.bank, author)

    second = course_services.course_publish(course=course, actor=author)
    later = course_services.enrollment_create_self(course=course, user=people.other_trainee)[0]

    final.refresh_from_db()
    assert final.published_at == second.published_at
    lesson = course.modules.get().lessons.get()
    course_services.lesson_complete(enrollment=first, lesson=lesson)
    course_services.lesson_complete(enrollment=later, lesson=lesson)
    statuses = dict(Enrollment.objects.values_list("release__number", "status"))
    assert statuses == {1: Enrollment.Status.COMPLETED, 2: Enrollment.Status.IN_PROGRESS}


def test_ready_quizzes_and_pre_tests_join_the_release_and_a_published_final_keeps_its_time(people, course, assessment):
    author = people.trainer_north
    earlier = services.assessment_publish(assessment=assessment, actor=author).published_at
    quiz = services.assessment_create(course=course, module=course.modules.get(), title="Quiz", actor=author)
    pretest = services.assessment_create(course=course, title="Pre-test", actor=author, is_pretest=True)
    for draft in (quiz, pretest):
        questions_add(draft.bank, author)

    release = course_services.course_publish(course=course, actor=author)

    assert list(Assessment.objects.order_by("pk").values_list("title", "published_at")) == [
        ("Final test", earlier),
        ("Quiz", release.published_at),
        ("Pre-test", release.published_at),
    ]
    assert earlier < release.published_at
    published = AuditEntry.objects.filter(action="assessment.publish").order_by("pk")
    assert [entry.target_id for entry in published] == [str(assessment.pk), str(quiz.pk), str(pretest.pk)]


# The rule, through the assessment's own publish ---------------------------------------------


def _tagged(bank, author, *, competency: str = "", topic: str = "", scenario=None) -> Question:
    return services.question_create(
        bank=bank,
        kind="true_false",
        text=f"{competency}/{topic}?",
        actor=author,
        choices=[{"correct": True}],
        competency=competency,
        topic=topic,
        scenario=scenario,
    )


def _refusal(assessment, people) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        services.assessment_publish(assessment=assessment, actor=people.trainer_north)
    assessment.refresh_from_db()
    assert assessment.published_at is None
    assert not AuditEntry.objects.filter(action="assessment.publish").exists()
    return refused.value.messages


def test_an_assessment_with_only_archived_questions_is_refused(people, course):
    final = services.assessment_create(course=course, title="Final test", actor=people.trainer_north)
    question = _tagged(final.bank, people.trainer_north, competency="HR")
    services.question_archive(question=question, actor=people.trainer_north)

    assert _refusal(final, people) == ["Final test: add questions first."]


def test_a_pool_asking_more_than_the_bank_holds_is_refused(people, course):
    author = people.trainer_north
    final = services.assessment_create(course=course, title="Final test", actor=author)
    tagged = [_tagged(final.bank, author, competency="HR") for _ in range(5)]
    services.pool_set(assessment=final, tag="HR", count=5, actor=author)
    for question in tagged[:2]:
        services.question_archive(question=question, actor=author)

    assert _refusal(final, people) == [
        "Final test: the pool HR draws 5 questions but the bank has 3 live ones with that tag."
    ]


def test_pools_that_may_take_each_others_questions_are_refused(people, course):
    author = people.trainer_north
    final = services.assessment_create(course=course, title="Final test", actor=author)
    for _ in range(2):
        _tagged(final.bank, author, competency="HR", topic="arrest")
    _tagged(final.bank, author, competency="HR")
    _tagged(final.bank, author, topic="arrest")
    services.pool_set(assessment=final, tag="HR", count=2, actor=author)
    services.pool_set(assessment=final, tag="arrest", count=2, actor=author)

    assert _refusal(final, people) == [
        "Final test: the pool arrest draws 2 of the 3 live questions with that tag, but the pools before it may "
        "take 2 of them (give each question one pool's tag, or draw fewer)."
    ]


def test_an_attempt_longer_than_the_limit_is_refused_until_pools_draw_fewer(people, course, settings):
    settings.ASSESSMENT_MAX_QUESTIONS = 3
    author = people.trainer_north
    final = services.assessment_create(course=course, title="Final test", actor=author)
    for _ in range(4):
        _tagged(final.bank, author, competency="HR")

    assert _refusal(final, people) == ["Final test: an attempt would show 4 questions; at most 3 (set pools)."]
    services.pool_set(assessment=final, tag="HR", count=3, actor=author)
    published = services.assessment_publish(assessment=final, actor=author)
    assert published.published_at is not None


def test_scenarios_drawn_by_pools_count_towards_the_limit(people, course, settings):
    settings.ASSESSMENT_MAX_QUESTIONS = 3
    author = people.trainer_north
    final = services.assessment_create(course=course, title="Final test", actor=author)
    scenario = services.scenario_create(bank=final.bank, title="Checkpoint", text="A car stops.", actor=author)
    _tagged(final.bank, author, competency="HR", scenario=scenario)
    for _ in range(3):
        _tagged(final.bank, author, topic="search", scenario=scenario)
    for _ in range(2):
        _tagged(final.bank, author, competency="HR")
    services.pool_set(assessment=final, tag="HR", count=1, actor=author)

    assert _refusal(final, people) == [
        "Final test: an attempt could show 4 questions with the scenarios its pools bring along; at most 3 "
        "(draw fewer)."
    ]


# The authoring page shows the plan, and a refused publish ---------------------------------


def _plan_course(people, course):
    """The course with a ready final, a required exam without questions, an optional quiz
    without questions, and a published pre-test."""
    author = people.trainer_north
    final = services.assessment_create(course=course, title="Final test", actor=author)
    questions_add(final.bank, author)
    services.assessment_create(course=course, title="Exam", actor=author)
    services.assessment_create(course=course, module=course.modules.get(), title="Warm-up quiz", actor=author)
    pretest = services.assessment_create(course=course, title="Before", actor=author, is_pretest=True)
    questions_add(pretest.bank, author)
    services.assessment_publish(assessment=pretest, actor=author)
    course_services.course_update(
        course=course, actor=author, requires_attendance=True, required_practicals=["Handcuffing"]
    )
    return course


def test_the_authoring_page_shows_what_learners_will_be_required_to_do(client, people, course):
    _plan_course(people, course)
    client.force_login(people.trainer_north)

    page = client.get(f"/author/courses/{course.pk}/")

    plan = page.context["plan"]
    assert [lesson.title for lesson in plan.lessons] == ["Dignity"]
    assert (plan.requires_attendance, plan.practicals) == (True, ["Handcuffing"])
    assert [(item.label, item.state, item.is_required, item.problems) for item in plan.items] == [
        ("Pass the assessment: Final test", "will_publish", True, ()),
        ("Pass the assessment: Exam", "blocked", True, ("Exam: add questions first.",)),
        ("Warm-up quiz", "stays_draft", False, ("Warm-up quiz: add questions first.",)),
        ("Before", "published", False, ()),
    ]
    html = page.content.decode()
    for text in (
        "What learners of the new release will be required to do",
        "Complete 1 required lesson",
        "Attend an in-person session",
        "Pass the practical: Handcuffing",
        "Pass the assessment: Final test",
        "Will be published with the course",
        "Cannot be published",
        "<li>Exam: add questions first.</li>",
        "Stays a draft",
        "Publishing is refused until the problems above are solved.",
    ):
        assert text in html, text


def test_a_publish_refused_on_the_authoring_page_lists_each_problem_and_writes_nothing(client, people, course):
    _plan_course(people, course)
    Assessment.objects.filter(title="Final test").update(title="Final")
    Question.objects.filter(bank__assessments__title="Final").update(is_archived=True)
    client.force_login(people.trainer_north)
    before = _state(course.pk)

    response = client.post(f"/author/courses/{course.pk}/status/", {"action": "publish"}, follow=True)

    assert [str(message) for message in response.context["messages"]] == [
        "Final: add questions first.",
        "Exam: add questions first.",
    ]
    assert _state(course.pk) == before


def test_the_plan_costs_the_same_queries_for_1_or_6_draft_assessments(client, people, course):
    author = people.trainer_north
    client.force_login(author)
    counts = []
    for total in (1, 6):
        Assessment.objects.filter(course=course).delete()
        for number in range(total):
            assessment = services.assessment_create(course=course, title=f"Test {number}", actor=author)
            _tagged(assessment.bank, author, competency="HR")
            services.pool_set(assessment=assessment, tag="HR", count=1, actor=author)
        client.get(f"/author/courses/{course.pk}/")  # warm the session
        with CaptureQueriesContext(connection) as captured:
            page = client.get(f"/author/courses/{course.pk}/")
        assert page.content.decode().count("Will be published with the course") == total
        counts.append(len(captured))
    assert counts[0] == counts[1]
