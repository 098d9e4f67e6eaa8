from django.conf import settings
from django.core import checks

from lms.hooks import dotted_path_errors


def _is_publish_step(target: object) -> bool:
    return callable(getattr(target, "plan", None)) and callable(getattr(target, "run", None))


@checks.register()
def course_hooks_check(app_configs, **kwargs) -> list[checks.Error]:
    """Every provider named by the courses' hook settings can be imported and used."""
    errors = []
    for setting in (
        "COURSE_COMPLETION_REQUIREMENTS",
        "COURSE_STAFF_LINKS",
        "COURSE_LEARNER_NOTICES",
        "COURSE_LEARNER_ASSESSMENTS",
    ):
        errors += dotted_path_errors(setting, getattr(settings, setting), check_id="courses.E001")
    errors += dotted_path_errors(
        "COURSE_PUBLISH_STEPS",
        settings.COURSE_PUBLISH_STEPS,
        check_id="courses.E001",
        accepts=_is_publish_step,
        expected="a publish step (an object with plan() and run())",
    )
    return errors
