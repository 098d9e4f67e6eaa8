# Service numbers: stored cleaned, unique per service whatever the case (issue 13, point 8).

import unicodedata
from collections import defaultdict

import django.db.models.functions.text
from django.db import migrations, models

# A frozen copy of organisations.identity as it was when this migration was written: a
# migration must do the same thing on every database, whatever the code becomes later.
DIRECTION_MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_WITHOUT_DIRECTION_MARKS = str.maketrans(dict.fromkeys(DIRECTION_MARKS))


def _clean(value):
    return unicodedata.normalize("NFC", value).translate(_WITHOUT_DIRECTION_MARKS).strip()


def service_numbers_clean(apps, schema_editor):
    """Store every service number cleaned (NFC, no direction marks, no surrounding space),
    keeping its case.

    Refuses, writing nothing, when two officers of one service would then share a number
    ignoring case: which of them is the real one is for a person to decide (give one of
    them another number in the admin, or merge them), then migrate again.
    """
    Officer = apps.get_model("organisations", "Officer")
    officers = list(Officer.objects.order_by("pk").values_list("pk", "service_id", "service_number"))
    by_key = defaultdict(list)
    for pk, service_id, number in officers:
        by_key[(service_id, _clean(number).upper())].append((pk, number))
    collisions = [(service_id, group) for (service_id, _key), group in by_key.items() if len(group) > 1]
    if collisions:
        lines = [
            f"police service id {service_id}: " + ", ".join(f"officer id {pk} {number!r}" for pk, number in group)
            for service_id, group in collisions
        ]
        raise RuntimeError(
            "These officers of one police service have the same service number once case, surrounding "
            "spaces and direction marks are ignored. Give all but one of each group another service number "
            "(or merge them), then migrate again:\n" + "\n".join(lines)
        )
    changed = [
        Officer(pk=pk, service_number=_clean(number)) for pk, _service_id, number in officers if _clean(number) != number
    ]
    Officer.objects.bulk_update(changed, ["service_number"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('organisations', '0001_initial'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='officer',
            name='officer_unique_service_number',
        ),
        migrations.RunPython(service_numbers_clean, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name='officer',
            constraint=models.UniqueConstraint(django.db.models.functions.text.Upper(django.db.models.functions.text.Trim('service_number')), models.F('service'), name='officer_unique_service_number_any_case', violation_error_message='An officer of this police service already has this service number (case does not count).'),
        ),
    ]
