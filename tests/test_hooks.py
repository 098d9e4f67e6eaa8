"""Settings that name code by dotted path are resolved when the platform starts
(``lms/hooks.py``): a misspelt path stops ``manage.py check`` (and so ``migrate``,
``runserver`` and the deploy check) with the setting and the path named, instead of
failing later in a worker or on a trainee's page."""

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

HOOK_CHECK_IDS = {"events.E001", "events.E002", "courses.E001", "organisations.E001"}


def test_every_path_the_project_names_resolves():
    errors = [message for message in checks.run_checks() if message.id in HOOK_CHECK_IDS]

    assert errors == []


@pytest.mark.parametrize(
    ("setting", "value", "path", "reason"),
    [
        (
            "LMS_EVENT_HANDLERS",
            {"course.completed": ["certificates.handlers.certificate_issue_on_completon"]},
            "certificates.handlers.certificate_issue_on_completon",
            "cannot be imported",
        ),
        (
            "COURSE_COMPLETION_REQUIREMENTS",
            ["courses.selectors.lessons_requirement", "assesments.selectors.assessments_requirement"],
            "assesments.selectors.assessments_requirement",
            "cannot be imported",
        ),
        (
            "COURSE_STAFF_LINKS",
            ["lms.settings.base.LANGUAGE_CODE"],
            "lms.settings.base.LANGUAGE_CODE",
            "not a callable",
        ),
        (
            "COURSE_PUBLISH_STEPS",
            ["courses.selectors.lessons_requirement"],
            "courses.selectors.lessons_requirement",
            "not a publish step",
        ),
        ("DEMO_SEED_STEPS", ["courses.demo.courses_sed"], "courses.demo.courses_sed", "cannot be imported"),
    ],
)
def test_a_wrong_path_stops_the_start_with_the_setting_and_path_named(settings, setting, value, path, reason):
    setattr(settings, setting, value)

    with pytest.raises(SystemCheckError) as refused:
        call_command("check")

    message = str(refused.value)
    assert f"{setting} names {path!r}, which {'is ' if reason.startswith('not') else ''}{reason}" in message
    assert message.count(" names ") == 1  # the correct paths beside it pass


def test_a_subscription_to_an_event_no_app_declares_stops_the_start(settings):
    settings.LMS_EVENT_HANDLERS = settings.LMS_EVENT_HANDLERS | {
        "course.complete": ["certificates.handlers.certificate_issue_on_completion"]
    }

    with pytest.raises(SystemCheckError) as refused:
        call_command("check")

    assert "LMS_EVENT_HANDLERS subscribes to 'course.complete', which no app declares." in str(refused.value)
