from django.db import migrations


class Migration(migrations.Migration):
    """One identifier spelling in code: "enrollment" (prose keeps "enrolment")."""

    dependencies = [("courses", "0003_completion_sessions_attachments")]

    operations = [
        migrations.RenameField(
            model_name="course", old_name="is_self_enrolment_open", new_name="is_self_enrollment_open"
        ),
    ]
