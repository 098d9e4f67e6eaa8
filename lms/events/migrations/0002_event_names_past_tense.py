from django.db import migrations

# Event names read "<subject>.<what happened>" (lms/events/types.py). Events already written
# take the new names, so that what looks them up by name (a webhook already notified of a
# day, a bulk run's chunks) still finds them; their deliveries name handlers, not events.
RENAMED = {"certificate.run_chunk": "certificate.run_chunk_queued", "readiness.webhook": "readiness.webhook_due"}


def rename(apps, schema_editor, names=RENAMED):
    Event = apps.get_model("events", "Event")
    for old, new in names.items():
        Event.objects.filter(name=old).update(name=new)


def rename_back(apps, schema_editor):
    rename(apps, schema_editor, names={new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]

    operations = [migrations.RunPython(rename, rename_back)]
