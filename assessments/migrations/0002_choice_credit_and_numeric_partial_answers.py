from django.db import migrations, models


def snapshots_name_their_sources(apps, schema_editor):
    """Attempts started before choices had ids of their own showed the bank's ids: record
    them as each choice's ``source`` (what regrades and item analysis read), with no credit."""
    Attempt = apps.get_model("assessments", "Attempt")
    batch = []
    for attempt in Attempt.objects.only("pk", "snapshot").iterator(chunk_size=500):
        changed = False
        for question in attempt.snapshot:
            if "numeric_partial_answers" not in question:
                question["numeric_partial_answers"] = []
                changed = True
            for choice in question.get("choices", ()):
                if "source" not in choice:
                    choice["source"] = choice["id"]
                    choice["weight"] = None
                    changed = True
        if changed:
            batch.append(attempt)
        if len(batch) >= 500:
            Attempt.objects.bulk_update(batch, ["snapshot"])
            batch = []
    if batch:
        Attempt.objects.bulk_update(batch, ["snapshot"])


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="choice",
            name="weight",
            field=models.DecimalField(
                blank=True,
                decimal_places=5,
                help_text=(
                    "The share of the question's points this choice earns, -100 to 100 (below 0: a penalty). Empty "
                    "on every choice of a question: a correct choice earns the points (multiple choice: shared, and "
                    "a wrong one takes a share away)."
                ),
                max_digits=8,
                null=True,
                verbose_name="credit (%)",
            ),
        ),
        migrations.AddField(
            model_name="question",
            name="numeric_partial_answers",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text=(
                    "Numeric: further ranges checked in order after the answer, each earning a share of the points: "
                    '[{"answer": "3", "tolerance": "1", "weight": "50"}].'
                ),
                verbose_name="answers for part of the points",
            ),
        ),
        migrations.RunPython(snapshots_name_their_sources, migrations.RunPython.noop),
    ]
