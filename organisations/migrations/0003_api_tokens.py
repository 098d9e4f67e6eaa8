# API tokens per client (issue 14, point 7), replacing DRF's one token per user.

import datetime
import hashlib

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.utils.dateparse import parse_datetime

LEGACY_TABLE = "authtoken_token"  # rest_framework.authtoken, no longer installed
LEGACY_NAME = "Signed in before per-client tokens"


def legacy_tokens_convert(apps, schema_editor):
    """Carry DRF's tokens over, so that no client signed in today is locked out: each one
    that has not expired becomes an ApiToken with the same key (stored as its SHA-256 and
    first 8 characters, as ``organisations.tokens`` stores keys: a frozen copy here) and
    the expiry it had (created + API_TOKEN_TTL). Then the old table is emptied, so no key
    stays in clear; the table itself is left (its app's migrations are still recorded) and
    may be dropped by hand. Nothing to do on a database that never had it.
    """
    connection = schema_editor.connection
    if LEGACY_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("organisations", "ApiToken")
    table = connection.ops.quote_name(LEGACY_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id, created FROM {table}")
        rows = cursor.fetchall()
    now = django.utils.timezone.now()
    converted = []
    for key, user_id, created in rows:
        if isinstance(created, str):
            created = parse_datetime(created)
        if django.utils.timezone.is_naive(created):
            created = created.replace(tzinfo=datetime.timezone.utc)
        expires_at = created + settings.API_TOKEN_TTL
        if expires_at <= now:
            continue
        converted.append(
            ApiToken(
                user_id=user_id,
                name=LEGACY_NAME,
                key_hash=hashlib.sha256(key.encode()).hexdigest(),
                prefix=key[:8],
                created_at=created,
                expires_at=expires_at,
            )
        )
    ApiToken.objects.bulk_create(converted, batch_size=500)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")


class Migration(migrations.Migration):

    dependencies = [
        ('organisations', '0002_service_number_ignores_case_and_spaces'),
    ]

    operations = [
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(blank=True, help_text='The client, as it named itself.', max_length=100, verbose_name='name')),
                ('key_hash', models.CharField(editable=False, max_length=64, unique=True)),
                ('prefix', models.CharField(editable=False, max_length=8, verbose_name='key begins with')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                ('last_used_at', models.DateTimeField(blank=True, null=True, verbose_name='last used')),
                ('expires_at', models.DateTimeField(verbose_name='expires')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'API token',
                'verbose_name_plural': 'API tokens',
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['user', 'expires_at'], name='apitoken_user_expires_idx')],
            },
        ),
        # Backwards: the new tokens are dropped with their table; the old ones are gone.
        migrations.RunPython(legacy_tokens_convert, migrations.RunPython.noop),
    ]
