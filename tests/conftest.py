from io import StringIO

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.utils import translation
from kombu.simple import SimpleQueue
from rest_framework.test import APIClient

from lms.celery import app as celery_app
from organisations import services
from organisations.models import Role
from tests.factories import OfficerFactory, UserFactory, tree_build


@pytest.fixture(autouse=True)
def _language_reset():
    """A test that activates a language (a page rendered in Arabic) leaves it active for the
    next test in the thread: every test starts and ends in the default language."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _clear_cache():
    """Sign-in throttles live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def broker_messages():
    """A function returning the (task name, args) published to the in-memory broker since
    the test began, or since the last call."""

    def take() -> list[tuple[str, list]]:
        taken = []
        with celery_app.connection_for_read() as connection:
            queue = SimpleQueue(connection, "celery")
            while True:
                try:
                    message = queue.get_nowait()
                except queue.Empty:
                    break
                args, _kwargs, _embed = message.decode()
                taken.append((message.headers["task"], args))
                message.ack()
            queue.close()
        return taken

    take()
    return take


@pytest.fixture
def tree(db):
    """A small service: nation -> two regions -> a district each -> a station each.

    ``tree.north_station`` and ``tree.south_station`` hold two officers each.
    """
    t = tree_build()
    t.north_officers = OfficerFactory.create_batch(2, unit=t.north_station)
    t.south_officers = OfficerFactory.create_batch(2, unit=t.south_station)
    return t


@pytest.fixture
def people(tree):
    """One user per role that matters for scoping, over ``tree``."""

    class People:
        pass

    p = People()
    p.trainee = UserFactory(username="trainee")
    officer = tree.north_officers[0]
    officer.user = p.trainee
    officer.save()
    p.other_trainee = UserFactory(username="other.trainee")
    other = tree.south_officers[0]
    other.user = p.other_trainee
    other.save()
    p.trainer_north = UserFactory(username="trainer.north")
    services.role_grant(user=p.trainer_north, role=Role.TRAINER, unit=tree.north)
    p.trainer_south = UserFactory(username="trainer.south")
    services.role_grant(user=p.trainer_south, role=Role.TRAINER, unit=tree.south)
    p.leader = UserFactory(username="leader.national")
    services.role_grant(user=p.leader, role=Role.LEADERSHIP, unit=tree.nation)
    p.admin = UserFactory(username="admin")
    services.role_grant(user=p.admin, role=Role.ADMIN, unit=None)
    return p


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker):
    """The whole demo (every step of ``settings.DEMO_SEED_STEPS``), seeded once per test
    module (it takes seconds) inside a transaction rolled back after the module."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("seed_demo", stdout=StringIO())
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def seeded(seeded_once, db):
    """Per test: the demo as seeded (a test's changes roll back with its savepoint)."""
