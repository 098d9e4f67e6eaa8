from django.conf import settings
from django.core import checks

from lms.hooks import dotted_path_errors


@checks.register()
def demo_seed_steps_check(app_configs, **kwargs) -> list[checks.Error]:
    """Every step named in ``settings.DEMO_SEED_STEPS`` can be imported and called."""
    return dotted_path_errors(
        "DEMO_SEED_STEPS", getattr(settings, "DEMO_SEED_STEPS", []), check_id="organisations.E001"
    )


@checks.register()
def officer_record_sections_check(app_configs, **kwargs) -> list[checks.Error]:
    """Every provider named in ``settings.OFFICER_RECORD_SECTIONS`` can be imported and called."""
    return dotted_path_errors(
        "OFFICER_RECORD_SECTIONS", getattr(settings, "OFFICER_RECORD_SECTIONS", []), check_id="organisations.E002"
    )
