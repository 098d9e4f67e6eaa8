"""Settings as each process sees them: every case runs in a fresh interpreter, with only
the environment variables it names."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from kombu import Connection

from lms.settings.base import broker_transport_options

REPO = Path(__file__).resolve().parents[1]
DATABASE_SUMMARY = """
import json, django
from django.conf import settings
django.setup()
database = settings.DATABASES["default"]
print(json.dumps({key: database.get(key) for key in
    ["ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "OPTIONS"]}))
"""


def python(*args: str, settings: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "PYTHONPATH": str(REPO),
        "DJANGO_SETTINGS_MODULE": settings,
        "LMS_VAR_DIR": str(tmp_path / "var"),
        **env,
    }
    return subprocess.run(
        [sys.executable, *args], cwd=REPO, env=environment, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize(
    ("command", "secret_key"),
    [
        (["-c", "import lms.settings.production"], None),
        (["manage.py", "check"], None),
        (["manage.py", "check"], "too-short-to-be-random"),
    ],
)
def test_production_settings_refuse_to_load_without_a_real_secret_key(command, secret_key, tmp_path):
    env = {"SECRET_KEY": secret_key} if secret_key else {}

    result = python(*command, settings="lms.settings.production", tmp_path=tmp_path, **env)

    assert result.returncode != 0
    assert "SECRET_KEY must be set to at least 50 random characters in production." in result.stderr


def test_production_settings_ignore_the_local_key_that_dev_setup_writes(tmp_path):
    assert python("-m", "lms.settings.local_files", settings="lms.settings.base", tmp_path=tmp_path).returncode == 0

    result = python("-c", "import lms.settings.production", settings="lms.settings.production", tmp_path=tmp_path)

    assert result.returncode != 0
    assert "SECRET_KEY must be set to at least 50 random characters in production." in result.stderr


@pytest.mark.parametrize("settings", ["lms.settings.base", "lms.settings.production"])
def test_importing_the_settings_and_setting_up_django_creates_nothing_on_disk(settings, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    code = "import django; django.setup(); from django.conf import settings; print(settings.VAR_DIR)"

    result = python(
        "-c", code, settings=settings, tmp_path=tmp_path, HOME=str(home), SECRET_KEY=secrets.token_urlsafe(48)
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(tmp_path / "var")
    assert sorted(path.name for path in tmp_path.rglob("*")) == ["home"]


def test_dev_setup_writes_one_private_secret_key_that_every_process_reads(tmp_path):
    key_of_a_process = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"

    before = python("-c", key_of_a_process, settings="lms.settings.base", tmp_path=tmp_path)
    created = [python("-m", "lms.settings.local_files", settings="lms.settings.base", tmp_path=tmp_path) for _ in "12"]
    keys = [python("-c", key_of_a_process, settings="lms.settings.base", tmp_path=tmp_path) for _ in "12"]

    assert "The SECRET_KEY setting must not be empty." in before.stderr
    assert [result.returncode for result in [*created, *keys]] == [0, 0, 0, 0]
    key_file = tmp_path / "var" / "secret_key"
    assert [result.stdout.strip() for result in keys] == [key_file.read_text()] * 2
    assert len(key_file.read_text()) == 86
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_production_settings_pass_the_deploy_check_without_a_warning(tmp_path):
    result = python(
        *("manage.py", "check", "--deploy", "--fail-level", "WARNING"),
        settings="lms.settings.production",
        tmp_path=tmp_path,
        SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="lms.example.org",
    )

    assert (result.returncode, result.stdout) == (0, "System check identified no issues (0 silenced).\n"), result.stderr


def test_a_postgres_database_url_selects_postgresql_with_persistent_connections(tmp_path):
    result = python(
        *("-c", DATABASE_SUMMARY),
        settings="lms.settings.base",
        tmp_path=tmp_path,
        DATABASE_URL="postgres://lms:pa%40ss@db.example.org:5433/lms",
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "lms",
        "USER": "lms",
        "PASSWORD": "pa@ss",
        "HOST": "db.example.org",
        "PORT": 5433,
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {},
    }


def test_the_default_sqlite_database_is_set_up_for_several_processes(tmp_path):
    pragmas = """
import json, django
from django.db import connection
django.setup()
with connection.cursor() as cursor:
    print(json.dumps({pragma: cursor.execute(f"PRAGMA {pragma}").fetchone()[0]
                      for pragma in ["journal_mode", "busy_timeout", "foreign_keys", "synchronous"]}))
"""
    assert python("-m", "lms.settings.local_files", settings="lms.settings.base", tmp_path=tmp_path).returncode == 0
    settings = python("-c", DATABASE_SUMMARY, settings="lms.settings.base", tmp_path=tmp_path)
    opened = python("-c", pragmas, settings="lms.settings.base", tmp_path=tmp_path)

    assert settings.returncode == 0, settings.stderr
    database = json.loads(settings.stdout)
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == str(tmp_path / "var" / "lms.sqlite3")
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert database["OPTIONS"]["timeout"] == 30
    assert opened.returncode == 0, opened.stderr
    # synchronous 1 is NORMAL: safe with WAL, and a commit needs no fsync of the database.
    assert json.loads(opened.stdout) == {
        "journal_mode": "wal",
        "busy_timeout": 30000,
        "foreign_keys": 1,
        "synchronous": 1,
    }


def test_tests_publish_to_memory_even_when_the_environment_names_a_broker(tmp_path):
    code = "import django; django.setup(); from lms.celery import app; print(app.connection_for_write().as_uri())"

    result = python(
        "-c", code, settings="lms.settings.test", tmp_path=tmp_path, CELERY_BROKER_URL="redis://127.0.0.1:1/0"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("memory://")


def test_the_default_broker_is_a_folder_under_var(tmp_path):
    options = broker_transport_options("filesystem://", tmp_path / "broker")

    assert options == {
        "control_folder": str(tmp_path / "broker" / "control"),
        "data_folder_in": str(tmp_path / "broker" / "queue"),
        "data_folder_out": str(tmp_path / "broker" / "queue"),
        "processed_folder": str(tmp_path / "broker" / "processed"),
        "store_processed": False,
    }
    assert (tmp_path / "broker" / "queue").is_dir()
    assert (tmp_path / "broker" / "processed").is_dir()
    assert (tmp_path / "broker" / "control").is_dir()


def test_the_settings_name_the_broker_folders_without_creating_them(tmp_path):
    options = broker_transport_options("filesystem://", tmp_path / "broker", create_folders=False)

    assert options["data_folder_out"] == str(tmp_path / "broker" / "queue")
    assert not (tmp_path / "broker").exists()


def test_the_embedded_broker_creates_its_folders_on_first_use(tmp_path):
    options = broker_transport_options("filesystem://", tmp_path / "broker", create_folders=False)

    with Connection("filesystem://", transport_options=options) as connection:
        connection.default_channel.basic_publish(connection.default_channel.prepare_message("{}"), "", "first")

    assert sorted(path.name for path in (tmp_path / "broker").iterdir()) == ["control", "processed", "queue"]
    assert [path.name.endswith(".first.msg") for path in (tmp_path / "broker" / "queue").iterdir()] == [True]


def test_publishing_to_a_server_broker_gives_up_quickly(tmp_path):
    options = broker_transport_options("redis://127.0.0.1:6379/0", tmp_path / "broker")

    assert options == {
        "visibility_timeout": 3600,
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
    }
    assert not (tmp_path / "broker").exists()


HEADERS_OVER_HTTP_AND_HTTPS = """
import json, django
django.setup()
from django.core.management import call_command
from django.test import Client
# The 404 page has the site's layout, whose stylesheet production names from the manifest
# that only collectstatic writes.
call_command("collectstatic", interactive=False, verbosity=0)
client = Client(HTTP_HOST="lms.example.org")
plain = client.get("/no-such-page/")
secure = client.get("/no-such-page/", secure=True)
proxied = client.get("/no-such-page/", HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({
    "http": [plain.status_code, plain.get("Location"), plain.get("Strict-Transport-Security")],
    "https": [secure.status_code, secure.get("Strict-Transport-Security"), secure.get("X-Frame-Options"),
              secure.get("Referrer-Policy"), secure.get("Content-Security-Policy")],
    "behind_proxy": [proxied.status_code, proxied.get("Strict-Transport-Security")],
}))
"""


def test_production_redirects_to_tls_and_sends_hsts_only_over_tls(tmp_path):
    result = python(
        *("-c", HEADERS_OVER_HTTP_AND_HTTPS),
        settings="lms.settings.production",
        tmp_path=tmp_path,
        SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="lms.example.org",
    )

    assert result.returncode == 0, result.stderr
    hsts = "max-age=31536000; includeSubDomains; preload"
    assert json.loads(result.stdout) == {
        "http": [301, "https://lms.example.org/no-such-page/", None],
        "https": [
            404,
            hsts,
            "DENY",
            "same-origin",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
            "base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        ],
        "behind_proxy": [404, hsts],
    }


def dotted_modules_in_api_settings() -> list[str]:
    from django.conf import settings

    paths = []
    for value in settings.REST_FRAMEWORK.values():
        for path in value if isinstance(value, list) else [value]:
            if isinstance(path, str) and "." in path and path.split(".")[0] in {"lms", "organisations"}:
                paths.append(path.rsplit(".", 1)[0])
    return sorted(set(paths))


@pytest.mark.parametrize("module", dotted_modules_in_api_settings())
def test_a_module_the_api_settings_name_imports_first_in_a_fresh_process(module, tmp_path):
    # A worker or a command may import such a module before anything has imported DRF's
    # views; the views then read the settings, which name the half-imported module.
    script = f"import django; django.setup(); import {module}; import rest_framework.views; print('imported')"

    result = python("-c", script, settings="lms.settings.test", tmp_path=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "imported"
