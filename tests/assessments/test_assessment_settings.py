"""The settings of an assessment: the create form offers every setting and a shared bank
to draw from; the settings page changes them (``services.assessment_update``), audited,
and explains the ones that are fixed after publishing or after the first attempt."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessments import services
from assessments.models import Assessment, Pool
from courses import services as course_services
from lms.audit.models import AuditEntry
from organisations.models import Role
from organisations.services import role_grant

pytestmark = pytest.mark.django_db


def _settings(assessment: Assessment, **changes) -> dict:
    """The settings form as the page fills it, with ``changes``."""
    posted = {
        "title": assessment.title,
        "module": assessment.module_id or "",
        "instructions": assessment.instructions,
        "bank": assessment.bank_id,
        "pass_mark": assessment.pass_mark,
        "time_limit_minutes": assessment.time_limit_minutes or "",
        "max_attempts": assessment.max_attempts or "",
        "cooldown_minutes": assessment.cooldown_minutes,
        "closes_at": "",
        "feedback_policy": assessment.feedback_policy,
        "pretest_of": "",
    }
    for name in ("shuffle_choices", "is_required", "is_pretest"):
        if getattr(assessment, name):
            posted[name] = "on"
    posted.update(changes)
    return {name: value for name, value in posted.items() if value is not None}


def _state(assessment: Assessment) -> tuple:
    assessment.refresh_from_db()
    return (
        assessment.title,
        assessment.pass_mark,
        assessment.closes_at,
        assessment.shuffle_choices,
        assessment.is_required,
        assessment.bank_id,
    )


def test_the_create_form_offers_every_setting_and_a_shared_bank(client, people, course, assessment):
    client.force_login(people.trainer_north)

    page = client.get(f"/courses/{course.pk}/assessments/new/").content.decode()
    response = client.post(
        f"/courses/{course.pk}/assessments/new/",
        {
            "title": "Pre-test",
            "bank": assessment.bank_id,
            "draw_tag": "HR",
            "draw_count": "2",
            "pass_mark": "50",
            "cooldown_minutes": "0",
            "closes_at": "2026-12-31T17:00",
            "feedback_policy": "never",
            "is_pretest": "on",
            "pretest_of": assessment.pk,
        },
    )

    for name in ("closes_at", "is_required", "is_pretest", "shuffle_choices", "bank", "draw_count", "pretest_of"):
        assert f'name="{name}"' in page
    created = Assessment.objects.get(title="Pre-test")
    assert response.status_code == 302
    assert response["Location"] == f"/assessments/{created.pk}/questions/"
    assert (created.bank_id, created.is_pretest, created.is_required, created.shuffle_choices) == (
        assessment.bank_id,
        True,
        False,
        False,
    )
    assert created.pretest_of_id == assessment.pk
    assert timezone.localtime(created.closes_at).isoformat()[:16] == "2026-12-31T17:00"
    assert list(Pool.objects.filter(assessment=created).values_list("tag", "count")) == [("HR", 2)]


def test_drawing_more_questions_than_the_bank_has_creates_nothing(client, people, course, assessment):
    client.force_login(people.trainer_north)
    before = Assessment.objects.count()

    response = client.post(
        f"/courses/{course.pk}/assessments/new/",
        {
            "title": "Quiz",
            "bank": assessment.bank_id,
            "draw_tag": "HR",
            "draw_count": "9",
            "pass_mark": "70",
            "cooldown_minutes": "0",
            "feedback_policy": "never",
        },
    )

    assert response.status_code == 200
    assert "Only 4 live question(s) of the bank have the tag &#x27;HR&#x27;." in response.content.decode()
    assert Assessment.objects.count() == before


def test_the_settings_page_changes_a_draft_and_is_audited(client, people, assessment):
    client.force_login(people.trainer_north)

    page = client.get(f"/assessments/{assessment.pk}/settings/")
    response = client.post(
        f"/assessments/{assessment.pk}/settings/",
        _settings(assessment, title="Final exam", pass_mark="80", closes_at="2026-12-31T17:00", shuffle_choices=None),
    )

    assert page.status_code == 200
    assert 'value="Final test"' in page.content.decode()
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert (assessment.title, assessment.pass_mark, assessment.shuffle_choices) == ("Final exam", 80, False)
    entry = AuditEntry.objects.get(action="assessment.update")
    assert entry.actor == people.trainer_north
    assert entry.before == {"title": "Final test", "pass_mark": 75, "closes_at": None, "shuffle_choices": True}
    assert entry.after["title"] == "Final exam"
    assert set(entry.after) == {"title", "pass_mark", "closes_at", "shuffle_choices"}


def test_saving_unchanged_settings_writes_nothing(client, people, assessment):
    client.force_login(people.trainer_north)

    response = client.post(f"/assessments/{assessment.pk}/settings/", _settings(assessment))

    assert response.status_code == 302
    assert not AuditEntry.objects.filter(action="assessment.update").exists()


def test_published_assessment_shows_why_some_settings_are_fixed(client, people, published):
    client.force_login(people.trainer_north)
    before = _state(published)

    page = client.get(f"/assessments/{published.pk}/settings/").content.decode()
    # A crafted post cannot change a fixed setting: the disabled field keeps its value.
    response = client.post(
        f"/assessments/{published.pk}/settings/", _settings(published, is_required=None, time_limit_minutes="45")
    )

    assert "Fixed once the assessment is published" in page
    assert 'name="is_required" disabled' in page or "disabled" in page.split('name="is_required"')[1][:80]
    assert response.status_code == 302
    published.refresh_from_db()
    assert (published.is_required, published.time_limit_minutes) == (True, 45)
    assert _state(published)[:5] == before[:5]


def test_the_service_refuses_fixed_changes_with_the_reason(people, published):
    with pytest.raises(ValidationError) as refused:
        services.assessment_update(assessment=published, actor=people.trainer_north, is_required=False)

    assert refused.value.message_dict == {
        "is_required": [
            "Fixed once the assessment is published: enrolments under way keep the completion rule they started with."
        ]
    }
    published.refresh_from_db()
    assert published.is_required is True
    assert not AuditEntry.objects.filter(action="assessment.update").exists()


def test_the_pass_mark_is_fixed_once_an_attempt_exists(client, people, published):
    services.attempt_start(assessment=published, user=people.trainee)
    client.force_login(people.trainer_north)

    page = client.get(f"/assessments/{published.pk}/settings/").content.decode()
    with pytest.raises(ValidationError) as refused:
        services.assessment_update(assessment=published, actor=people.trainer_north, pass_mark=50)

    assert "Fixed once an attempt exists: past attempts were graded against it." in page
    assert list(refused.value.message_dict) == ["pass_mark"]
    published.refresh_from_db()
    assert published.pass_mark == 75


def test_the_update_service_takes_only_its_fields(people, assessment):
    with pytest.raises(TypeError):
        services.assessment_update(assessment=assessment, actor=people.trainer_north, published_at=timezone.now())


@pytest.fixture
def enrolled_author(people, published, tree):
    """The course's author, also an officer enrolled in the course (a conflict of interest)."""
    officer = tree.north_officers[1]
    officer.user = people.trainer_north
    officer.save()
    course_services.enrollment_create_self(course=published.course, user=people.trainer_north)
    return people.trainer_north


@pytest.fixture
def admin_and_trainer(people, tree):
    role_grant(user=people.admin, role=Role.TRAINER, unit=tree.north)
    return people.admin


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (None, 302),
        ("trainee", 403),
        ("other_trainee", 404),
        ("trainer_south", 403),
        ("leader", 403),
        ("trainer_north", 200),
        ("admin", 200),
        ("admin_and_trainer", 200),
        ("enrolled_author", 403),
    ],
)
def test_who_may_change_the_settings(client, people, published, request, who, expected):
    """The trainee is enrolled (sees the assessment), the other trainee is not;
    trainer_north is the course's author; an author enrolled in the course may not edit it."""
    user = None
    if who in ("admin_and_trainer", "enrolled_author"):
        user = request.getfixturevalue(who)
    elif who is not None:
        user = getattr(people, who)
    if user is not None:
        client.force_login(user)
    before = _state(published)

    page = client.get(f"/assessments/{published.pk}/settings/")
    posted = client.post(f"/assessments/{published.pk}/settings/", _settings(published, title="Changed"))

    assert page.status_code == expected
    if expected == 200:
        assert posted.status_code == 302
        assert _state(published)[0] == "Changed"
    else:
        assert posted.status_code == expected
        assert _state(published) == before
