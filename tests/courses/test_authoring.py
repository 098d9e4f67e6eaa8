"""Authoring services: editing, ordering, archiving, the course lifecycle, co-authors, owner.

The thread through them: an officer already under way is never affected by what authors
change afterwards; only enrolments on a later release are.
"""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from courses import selectors, services
from courses.models import Course, CourseAuthor, CourseRelease, Enrollment, Lesson, Module
from lms.audit.models import AuditEntry
from organisations.models import Organisation, Role
from organisations.services import role_grant
from tests.factories import UserFactory


def _messages(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict


def _outline(course: Course) -> list[tuple[int, int, bool]]:
    """Every module and lesson of the course as (id, order, archived), for "nothing changed"."""
    modules = Module.objects.filter(course=course).order_by("pk").values_list("pk", "order", "is_archived")
    lessons = Lesson.objects.filter(module__course=course).order_by("pk").values_list("pk", "order", "is_archived")
    return [*modules, *lessons]


@pytest.fixture
def course(people, draft_course) -> Course:
    """``draft_course`` with a second module of three lessons: modules [m1, m2], lessons
    m1: [a, b], m2: [c, d, e]."""
    second = services.module_create(course=draft_course, title="Practice")
    for title in ("Beat mapping", "Community meetings", "Confidence patrols"):
        services.lesson_create(module=second, title=title)
    return draft_course


def _modules(course: Course) -> list[Module]:
    return list(Module.objects.filter(course=course).order_by("order", "pk"))


def _lessons(module: Module) -> list[Lesson]:
    return list(Lesson.objects.filter(module=module).order_by("order", "pk"))


# Editing -------------------------------------------------------------------------------


def test_course_update_changes_the_fields_and_audits_only_what_changed(people, draft_course):
    services.course_update(
        course=draft_course,
        actor=people.trainer_north,
        title="Community policing",
        summary=draft_course.summary,  # unchanged: not in the audit entry
        estimated_hours=Decimal("6.5"),
        competencies=["COP"],
        is_sequential=True,
        required_practicals=["Confidence patrol"],
    )

    course = Course.objects.get(pk=draft_course.pk)
    assert course.title == "Community policing"
    assert course.estimated_hours == Decimal("6.5")
    assert course.competencies == ["COP"]
    assert course.is_sequential is True
    assert course.required_practicals == ["Confidence patrol"]
    entry = AuditEntry.objects.get(action="course.update")
    assert entry.actor == people.trainer_north
    assert entry.target_id == str(course.pk)
    assert entry.before == {
        "title": "Community-oriented policing",
        "estimated_hours": None,
        "competencies": ["COP", "HR"],
        "is_sequential": False,
        "required_practicals": [],
    }
    assert entry.after == {
        "title": "Community policing",
        "estimated_hours": "6.5",
        "competencies": ["COP"],
        "is_sequential": True,
        "required_practicals": ["Confidence patrol"],
    }


def test_course_update_without_a_change_writes_nothing(people, draft_course):
    updated_at = Course.objects.get(pk=draft_course.pk).updated_at

    services.course_update(course=draft_course, actor=people.trainer_north, title=draft_course.title)

    assert Course.objects.get(pk=draft_course.pk).updated_at == updated_at
    assert not AuditEntry.objects.filter(action="course.update").exists()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"competencies": ["HR", "XYZ"]}, {"competencies": ["Unknown competency code(s): XYZ."]}),
        (
            {"required_practicals": ["First aid", "first aid "]},
            {"required_practicals": ["Each practical skill is listed once."]},
        ),
        ({"title": ""}, {"title": ["This field cannot be blank."]}),
        ({"language": "xx"}, {"language": ["Value 'xx' is not a valid choice."]}),
    ],
)
def test_course_update_refuses_an_invalid_course_and_changes_nothing(people, draft_course, changes, expected):
    before = Course.objects.filter(pk=draft_course.pk).values().get()

    with pytest.raises(ValidationError) as caught:
        services.course_update(course=draft_course, actor=people.trainer_north, **changes)

    assert _messages(caught.value) == expected
    assert Course.objects.filter(pk=draft_course.pk).values().get() == before
    assert not AuditEntry.objects.filter(action="course.update").exists()


def test_a_course_is_not_a_translation_of_itself(people, draft_course):
    with pytest.raises(ValidationError) as caught:
        services.course_update(course=draft_course, actor=people.trainer_north, translation_of=draft_course)

    assert _messages(caught.value) == {"translation_of": ["A course cannot be a translation of itself."]}
    assert Course.objects.get(pk=draft_course.pk).translation_of_id is None


def test_course_update_refuses_fields_it_does_not_own(people, draft_course):
    with pytest.raises(TypeError):
        services.course_update(course=draft_course, actor=people.trainer_north, status=Course.Status.PUBLISHED)
    with pytest.raises(TypeError):
        services.course_update(course=draft_course, actor=people.trainer_north, code="NEW")

    assert Course.objects.get(pk=draft_course.pk).status == Course.Status.DRAFT


def test_module_rename_and_lesson_update_are_audited(people, draft_course):
    module = draft_course.modules.get()
    lesson = _lessons(module)[0]

    services.module_update(module=module, title="Basics", actor=people.trainer_north)
    services.lesson_update(lesson=lesson, actor=people.trainer_north, title="Why it works", aim=lesson.aim)

    assert Module.objects.get(pk=module.pk).title == "Basics"
    assert AuditEntry.objects.get(action="module.update").after == {"title": "Basics"}
    entry = AuditEntry.objects.get(action="lesson.update")
    assert entry.before == {"title": "Why community policing"}
    assert entry.after == {"title": "Why it works"}


def test_a_requirement_change_applies_to_the_next_release_only(people, published_course):
    enrollment = services.enrollment_create_self(course=published_course, user=people.trainee)[0]

    services.course_update(
        course=published_course, actor=people.trainer_north, requires_attendance=True, required_practicals=["First aid"]
    )
    release = services.course_publish(course=published_course, actor=people.trainer_north)

    enrollment.refresh_from_db()
    assert enrollment.release.number == 1
    assert enrollment.release.requires_attendance is False
    assert enrollment.release.required_practicals == []
    assert [requirement.key for requirement in selectors.completion_requirements(enrollment)] == ["lessons"]
    assert release.number == 2
    assert release.requires_attendance is True
    assert release.required_practicals == ["First aid"]


# Ordering ------------------------------------------------------------------------------


def test_modules_reorder_numbers_them_in_the_given_order_and_keeps_their_ids(people, course):
    first, second = _modules(course)

    services.modules_reorder(course=course, module_ids=[second.pk, first.pk], actor=people.trainer_north)

    assert [(module.pk, module.order) for module in _modules(course)] == [(second.pk, 1), (first.pk, 2)]
    assert Lesson.objects.filter(module=first).count() == 2  # lessons go with their module
    entry = AuditEntry.objects.get(action="course.modules_reorder")
    assert entry.before == {"module_ids": [first.pk, second.pk]}
    assert entry.after == {"module_ids": [second.pk, first.pk]}


def test_lessons_reorder_numbers_them_one_to_n(people, course):
    module = _modules(course)[1]
    c, d, e = _lessons(module)

    services.lessons_reorder(module=module, lesson_ids=[e.pk, c.pk, d.pk], actor=people.trainer_north)

    assert [(lesson.pk, lesson.order) for lesson in _lessons(module)] == [(e.pk, 1), (c.pk, 2), (d.pk, 3)]
    assert AuditEntry.objects.get(action="module.lessons_reorder").after == {"lesson_ids": [e.pk, c.pk, d.pk]}


def test_the_same_order_again_writes_no_audit_entry(people, course):
    ids = [module.pk for module in _modules(course)]

    services.modules_reorder(course=course, module_ids=ids, actor=people.trainer_north)

    assert not AuditEntry.objects.filter(action="course.modules_reorder").exists()


def test_modules_reorder_lists_every_problem_and_changes_nothing(people, course):
    first, second = _modules(course)
    archived = services.module_create(course=course, title="Old")
    services.module_archive(module=archived, actor=people.trainer_north)
    other = services.course_create(creator=people.trainer_north, code="HR-101", title="Human rights")
    foreign = services.module_create(course=other, title="Arrest")
    before = _outline(course)

    with pytest.raises(ValidationError) as caught:
        services.modules_reorder(
            course=course, module_ids=[first.pk, first.pk, archived.pk, foreign.pk], actor=people.trainer_north
        )

    unknown = ", ".join(str(pk) for pk in sorted([archived.pk, foreign.pk]))
    assert _messages(caught.value) == {
        "ids": [
            f"Listed more than once: {first.pk}.",
            f"Not a live module of this course: {unknown}.",
            f"Missing: {second.pk}.",
        ]
    }
    assert _outline(course) == before


def test_lessons_never_move_between_modules(people, course):
    first, second = _modules(course)
    a, b = _lessons(first)
    c = _lessons(second)[0]
    before = _outline(course)

    with pytest.raises(ValidationError) as caught:
        services.lessons_reorder(module=first, lesson_ids=[a.pk, b.pk, c.pk], actor=people.trainer_north)

    assert _messages(caught.value) == {"ids": [f"Not a live lesson of this module: {c.pk}."]}
    assert _outline(course) == before


# Archiving -----------------------------------------------------------------------------


def test_archive_and_unarchive_keep_ids_and_bring_back_at_the_end(people, course):
    first, second = _modules(course)
    a, b = _lessons(first)

    services.lesson_archive(lesson=a, actor=people.trainer_north)
    services.lesson_archive(lesson=a, actor=people.trainer_north)  # again: nothing more
    services.module_archive(module=first, actor=people.trainer_north)

    assert selectors.course_live_module_ids(course=course) == [second.pk]
    assert selectors.module_live_lesson_ids(module=first) == [b.pk]
    assert AuditEntry.objects.filter(action="lesson.archive").count() == 1

    services.module_unarchive(module=first, actor=people.trainer_north)
    services.lesson_unarchive(lesson=a, actor=people.trainer_north)

    assert selectors.course_live_module_ids(course=course) == [second.pk, first.pk]
    assert selectors.module_live_lesson_ids(module=first) == [b.pk, a.pk]
    assert Lesson.objects.filter(pk__in=[a.pk, b.pk]).count() == 2
    entry = AuditEntry.objects.get(action="module.unarchive")
    assert (entry.before, entry.after) == ({"is_archived": True}, {"is_archived": False})


def test_an_in_progress_trainee_is_unaffected_by_reorder_archive_add_and_republish(people, course):
    """The officer started on release 1 (a, b, c, d, e) and has done a; the authors then
    reorder, archive b and module 2's d, add f and publish release 2."""
    first, second = _modules(course)
    a, b = _lessons(first)
    c, d, e = _lessons(second)
    services.course_publish(course=course, actor=people.trainer_north)
    enrollment = services.enrollment_create_self(course=course, user=people.trainee)[0]
    services.lesson_complete(enrollment=enrollment, lesson=a)

    services.modules_reorder(course=course, module_ids=[second.pk, first.pk], actor=people.trainer_north)
    services.lessons_reorder(module=second, lesson_ids=[e.pk, d.pk, c.pk], actor=people.trainer_north)
    services.lesson_archive(lesson=b, actor=people.trainer_north)
    services.lesson_archive(lesson=d, actor=people.trainer_north)
    f = services.lesson_create(module=first, title="Measuring confidence", actor=people.trainer_north)
    release = services.course_publish(course=course, actor=people.trainer_north)

    enrollment = Enrollment.objects.select_related("release").get(pk=enrollment.pk)
    assert enrollment.release.number == 1
    assert enrollment.release.required_lesson_ids == [a.pk, b.pk, c.pk, d.pk, e.pk]
    selectors.enrollments_with_progress([enrollment])
    assert enrollment.progress == 20
    # The archived lessons stay open to them, as their release requires them.
    assert selectors.lesson_get(user=people.trainee, lesson_id=b.pk) == b
    for lesson in (b, c, d):
        services.lesson_complete(enrollment=enrollment, lesson=lesson)
    assert services.lesson_complete(enrollment=enrollment, lesson=e) == 100
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.COMPLETED
    # Release 2, in the new order, is what officers who enrol now must do.
    assert release.number == 2
    assert release.required_lesson_ids == [e.pk, c.pk, a.pk, f.pk]


# Lifecycle -----------------------------------------------------------------------------

TRANSITIONS = {
    # service: {from status: to status, or None when refused}
    "course_submit_for_review": {"draft": "in_review", "in_review": None, "published": None, "archived": None},
    "course_return_to_draft": {"draft": None, "in_review": "draft", "published": None, "archived": None},
    "course_archive": {"draft": None, "in_review": None, "published": "archived", "archived": None},
    "course_unarchive": {"draft": None, "in_review": None, "published": None, "archived": "published"},
}
TRANSITION_CASES = [(service, start, end) for service, table in TRANSITIONS.items() for start, end in table.items()]


def _course_in(status: str, people, course: Course) -> Course:
    if status in ("published", "archived"):
        services.course_publish(course=course, actor=people.trainer_north)
    if status == "in_review":
        services.course_submit_for_review(course=course, actor=people.trainer_north)
    if status == "archived":
        services.course_archive(course=course, actor=people.trainer_north)
    course.refresh_from_db()
    assert course.status == status
    return course


@pytest.mark.parametrize(("service", "start", "end"), TRANSITION_CASES)
def test_lifecycle_transitions(people, draft_course, service, start, end):
    course = _course_in(start, people, draft_course)
    releases = CourseRelease.objects.count()
    entries = AuditEntry.objects.count()

    if end is None:
        with pytest.raises(ValidationError) as caught:
            getattr(services, service)(course=course, actor=people.trainer_north)
        assert caught.value.code == "invalid_transition"
        assert Course.objects.get(pk=course.pk).status == start
        assert AuditEntry.objects.count() == entries
    else:
        getattr(services, service)(course=course, actor=people.trainer_north)
        assert Course.objects.get(pk=course.pk).status == end
        entry = AuditEntry.objects.latest("pk")
        assert (entry.before, entry.after) == ({"status": start}, {"status": end})
    assert CourseRelease.objects.count() == releases


@pytest.mark.parametrize(("start", "release"), [("draft", 1), ("in_review", 1), ("published", 2)])
def test_publish_from_draft_review_or_published(people, draft_course, start, release):
    course = _course_in(start, people, draft_course)

    assert services.course_publish(course=course, actor=people.trainer_north).number == release
    assert Course.objects.get(pk=course.pk).status == Course.Status.PUBLISHED


def test_an_archived_course_is_unarchived_not_published(people, draft_course):
    course = _course_in("archived", people, draft_course)

    with pytest.raises(ValidationError) as caught:
        services.course_publish(course=course, actor=people.trainer_north)

    assert caught.value.messages == ["An archived course is unarchived, not published again."]
    assert Course.objects.get(pk=course.pk).status == Course.Status.ARCHIVED
    assert CourseRelease.objects.filter(course=course).count() == 1


def test_an_archived_course_takes_no_new_enrollment_but_those_under_way_continue(people, published_course):
    enrollment = services.enrollment_create_self(course=published_course, user=people.trainee)[0]
    first, second = Lesson.objects.filter(module__course=published_course).order_by("order")
    services.course_archive(course=published_course, actor=people.trainer_north)

    with pytest.raises(ValidationError):
        services.enrollment_create_self(course=published_course, user=people.other_trainee)
    assert selectors.course_get(user=people.trainee, course_id=published_course.pk) is not None
    assert selectors.course_get(user=people.other_trainee, course_id=published_course.pk) is None
    assert selectors.lesson_get(user=people.trainee, lesson_id=first.pk) == first
    assert selectors.lesson_get(user=people.other_trainee, lesson_id=first.pk) is None
    services.lesson_complete(enrollment=enrollment, lesson=first)
    services.lesson_complete(enrollment=enrollment, lesson=second)
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.COMPLETED
    assert Enrollment.objects.filter(course=published_course).count() == 1


def test_an_archived_course_appears_once_in_the_trainees_list(people, published_course):
    services.enrollment_create_self(course=published_course, user=people.trainee)
    services.enrollments_create(
        course=published_course, officers=[people.other_trainee.officer], actor=people.trainer_south
    )
    services.course_archive(course=published_course, actor=people.trainer_north)

    assert list(selectors.course_list(user=people.trainee)) == [published_course]


# Co-authors ----------------------------------------------------------------------------


def _author_names(course: Course) -> list[str]:
    return list(course.authors.order_by("user__username").values_list("user__username", flat=True))


def test_a_trainer_or_admin_becomes_a_co_author_once(people, draft_course):
    author, created = services.course_author_add(
        course=draft_course, user=people.trainer_south, actor=people.trainer_north
    )
    again, created_again = services.course_author_add(
        course=draft_course, user=people.trainer_south, actor=people.trainer_north
    )
    services.course_author_add(course=draft_course, user=people.admin, actor=people.trainer_north)

    assert (created, created_again, again.pk) == (True, False, author.pk)
    assert _author_names(draft_course) == ["admin", "trainer.north", "trainer.south"]
    entry = AuditEntry.objects.filter(action="course.author_add").order_by("pk").first()
    assert entry.after == {"user": people.trainer_south.pk, "username": "trainer.south"}
    assert AuditEntry.objects.filter(action="course.author_add").count() == 2


@pytest.mark.parametrize("who", ["trainee", "leader", "inactive_trainer"])
def test_only_active_trainers_and_admins_can_be_co_authors(people, tree, draft_course, who):
    if who == "inactive_trainer":
        user = UserFactory(username="gone", is_active=False)
        role_grant(user=user, role=Role.TRAINER, unit=tree.north)
    else:
        user = getattr(people, who)

    with pytest.raises(ValidationError) as caught:
        services.course_author_add(course=draft_course, user=user, actor=people.trainer_north)

    assert caught.value.messages == ["Only trainers and administrators can be co-authors."]
    assert _author_names(draft_course) == ["trainer.north"]


def test_a_co_author_is_removed_but_not_the_creator(people, draft_course):
    services.course_author_add(course=draft_course, user=people.trainer_south, actor=people.trainer_north)

    with pytest.raises(ValidationError) as caught:
        services.course_author_remove(course=draft_course, user=people.trainer_north, actor=people.trainer_south)
    assert caught.value.code == "creator"
    services.course_author_remove(course=draft_course, user=people.trainer_south, actor=people.trainer_north)

    assert _author_names(draft_course) == ["trainer.north"]
    assert AuditEntry.objects.get(action="course.author_remove").before == {
        "user": people.trainer_south.pk,
        "username": "trainer.south",
    }


def test_the_last_author_stays(people, draft_course):
    # A creator whose authorship was taken away in the admin leaves one co-author.
    services.course_author_add(course=draft_course, user=people.trainer_south, actor=people.admin)
    CourseAuthor.objects.filter(course=draft_course, user=people.trainer_north).delete()

    with pytest.raises(ValidationError) as caught:
        services.course_author_remove(course=draft_course, user=people.trainer_south, actor=people.admin)

    assert caught.value.code == "last_author"
    assert caught.value.messages == ["A course keeps at least one author."]
    assert _author_names(draft_course) == ["trainer.south"]


def test_removing_someone_who_is_no_author_is_refused(people, draft_course):
    with pytest.raises(ValidationError) as caught:
        services.course_author_remove(course=draft_course, user=people.trainer_south, actor=people.trainer_north)

    assert caught.value.code == "not_author"
    assert not AuditEntry.objects.filter(action="course.author_remove").exists()


# Owner ---------------------------------------------------------------------------------


def _mission(acronym: str, service=None) -> Organisation:
    return Organisation.objects.create(
        acronym=acronym, name=f"{acronym} mission", kind=Organisation.Kind.MISSION, police_service=service
    )


def test_a_new_course_belongs_to_the_mission_supporting_the_creators_service(people, tree):
    mission = _mission("UNMN", tree.service)
    _mission("ELSEWHERE")
    Organisation.objects.create(acronym="UNODC", name="UNODC", kind=Organisation.Kind.UN_AGENCY)

    course = services.course_create(creator=people.trainer_north, code="BM-1", title="Borders")

    assert course.owner == mission
    assert Course.objects.get(pk=course.pk).owner == mission


def test_an_owner_given_is_kept(people, tree):
    _mission("UNMN", tree.service)
    partner = Organisation.objects.create(acronym="UNODC", name="UNODC", kind=Organisation.Kind.UN_AGENCY)

    course = services.course_create(creator=people.trainer_north, code="TOC-1", title="Crime", owner=partner)

    assert course.owner == partner


@pytest.mark.parametrize(
    ("missions", "creator", "expected"),
    [
        ([], "trainer_north", None),  # no mission at all
        (["elsewhere"], "trainer_north", None),  # a mission, but for another service
        (["here", "here"], "trainer_north", None),  # two missions: cannot tell
        (["elsewhere"], "admin", "elsewhere"),  # platform-wide: the one mission there is
        (["here", "elsewhere"], "admin", None),
    ],
)
def test_the_default_owner_only_when_it_can_be_told(people, tree, missions, creator, expected):
    created = {}
    for index, where in enumerate(missions):
        created[where] = _mission(f"M{index}", tree.service if where == "here" else None)

    course = services.course_create(creator=getattr(people, creator), code="X-1", title="X")

    assert course.owner == (created[expected] if expected else None)


SERVICE_OF_ACTION = {
    "submit": "course_submit_for_review",
    "publish": "course_publish",
    "return": "course_return_to_draft",
    "archive": "course_archive",
    "unarchive": "course_unarchive",
}


@pytest.mark.parametrize("status", ["draft", "in_review", "published", "archived"])
def test_the_authoring_page_offers_exactly_the_moves_the_services_accept(client, people, draft_course, status):
    course = _course_in(status, people, draft_course)
    client.force_login(people.trainer_north)

    page = client.get(reverse("author-course-edit", args=[course.pk])).content.decode()
    offered = set(re.findall(r'name="action" value="(\w+)"', page))

    accepted = set()
    for action, service in SERVICE_OF_ACTION.items():
        try:
            with transaction.atomic():
                getattr(services, service)(course=course, actor=people.trainer_north)
                transaction.set_rollback(True)
        except ValidationError:
            continue
        accepted.add(action)
    assert offered == accepted
    assert offered  # every status has a way on
