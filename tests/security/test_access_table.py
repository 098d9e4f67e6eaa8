"""Who may open what: every URL pattern of the project x seven actors, in one table.

The patterns come from the URL resolver, so a new endpoint without a row fails
``test_every_url_pattern_has_a_row`` by name. Each row says which world object fills the
URL and the status each actor gets for a GET and for an unsafe request without valid
data (POST, or the PATCH/PUT/DELETE the endpoint takes). A refused request changes
nothing (no row added or removed in any table), and the people outside trainee A's
records (anonymous, trainee B, the South trainer) never see a word of them in any answer,
allowed or refused, unless the row's ``shows`` says so (public verification). Query
parameters that name objects, other formats (CSV) and a draft course have rows of their
own. A last test sends valid bodies naming what lies outside the caller's scope.

Actors (see ``conftest.py``): trainee A (North, owner of the records), trainee B
(South), the North trainer (in scope, author of the courses), the South trainer (out
of scope), a national leader and an admin.
"""

import operator
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve, reverse
from rest_framework.test import APIClient

from tests.security.conftest import DRAFT, ESSAY, NAME, NOTICE, SECRETS, SERVICE_NUMBER, SUBTREE

ACTORS = ("anonymous", "trainee", "other_trainee", "trainer_in", "trainer_out", "leader", "admin")
OUTSIDERS = {"anonymous", "other_trainee", "trainer_out"}
STAFF = "trainer_in leader admin"
OWNER_AND_STAFF = "trainee " + STAFF
# Someone's answers go with the answer key: the owner and readers of the key, not leaders.
OWNER_AND_KEY_READERS = "trainee trainer_in admin"
L = "L"  # a redirect to the login page
REFUSED = {L, 401, 403, 404, 405}


@dataclass(frozen=True)
class Access:
    """One URL pattern: how to fill it and what each actor (in ``ACTORS`` order) gets."""

    kwargs: dict[str, str] = field(default_factory=dict)  # URL keyword -> attribute path in the world
    get: str = ""  # seven statuses, L for a redirect to the login page
    post: str = ""  # the same for an ``unsafe`` request without valid data
    unsafe: str = "post"
    shows: dict[str, str] = field(default_factory=dict)  # marker -> actors whose GET shows it


def _value(world, path: str):
    value = operator.attrgetter(path)(world)
    return getattr(value, "pk", value)


def _name_and_query(key: str) -> tuple[str, str]:
    """A row's key is a URL name, then optionally ``?`` and a query, then optionally a label
    in brackets for a second row of the same pattern over other objects."""
    name, _, query = key.split(" [")[0].partition("?")
    return name, query


def url_of(key: str, world) -> str:
    """The URL of a row: its pattern reversed with the row's objects, and its query (a
    ``str.format`` template over the world ``w``) if any."""
    name, query = _name_and_query(key)
    url = reverse(name, kwargs={keyword: _value(world, path) for keyword, path in TABLE[key].kwargs.items()})
    return f"{url}?{query.format(w=world)}" if query else url


RECORD_KEEPING = Access(
    {"pk": "tree.officer"},
    get="L   403 403 200 404 403 200",
    post="L   403 403 200 404 403 200",
    shows={NAME: "trainer_in admin"},
)

# Statuses in ACTORS order: anonymous, trainee A, trainee B, North trainer, South trainer,
# leader, admin. Every object belongs to trainee A or to North (see ``conftest.py``).
TABLE: dict[str, Access] = {
    "healthz": Access(get="200 200 200 200 200 200 200", post="405 405 405 405 405 405 405"),
    "api-schema": Access(get="200 200 200 200 200 200 200", post="405 405 405 405 405 405 405"),
    "api-docs": Access(get="200 200 200 200 200 200 200", post="405 405 405 405 405 405 405"),
    "api-token": Access(get="405 405 405 405 405 405 405", post="400 400 400 400 400 400 400"),
    "api-account-activate": Access(get="405 405 405 405 405 405 405", post="400 400 400 400 400 400 400"),
    # Revoking the token presented: a session is no token, so every actor here gets 401.
    "api-token [revoke]": Access(
        get="405 405 405 405 405 405 405", unsafe="delete", post="401 401 401 401 401 401 401"
    ),
    # One's own API tokens only: trainee A's token is nobody else's to see or revoke.
    "api-token-list": Access(get="401 200 200 200 200 200 200", post="401 405 405 405 405 405 405"),
    "api-token-detail": Access(
        {"pk": "token"}, get="401 405 405 405 405 405 405", unsafe="delete", post="401 204 404 404 404 404 404"
    ),
    "api-me": Access(
        get="401 200 200 200 200 200 200",
        post="401 405 405 405 405 405 405",
        shows={NAME: "trainee", SERVICE_NUMBER: "trainee", SUBTREE: "trainee"},
    ),
    "api-unit-list": Access(
        get="401 200 200 200 200 200 200", post="401 405 405 405 405 405 405", shows={SUBTREE: OWNER_AND_STAFF}
    ),
    "api-unit-detail": Access(
        {"pk": "tree.north_station"},
        get="401 200 404 200 404 200 200",
        post="401 405 405 405 405 405 405",
        shows={SUBTREE: OWNER_AND_STAFF},
    ),
    "api-officer-list": Access(
        get="401 403 403 200 200 200 200",
        post="401 403 403 405 405 405 405",
        shows={NAME: STAFF, SERVICE_NUMBER: STAFF, SUBTREE: STAFF},
    ),
    "api-officer-import": Access(get="401 403 403 405 405 403 405", post="401 403 403 400 400 403 400"),
    "api-officer-detail": Access(
        {"pk": "tree.officer"},
        get="401 403 403 200 404 200 200",
        post="401 403 403 405 405 405 405",
        shows={NAME: STAFF, SERVICE_NUMBER: STAFF, SUBTREE: STAFF},
    ),
    "api-officer-activation-code": Access(
        {"pk": "tree.unregistered"}, get="401 403 403 405 405 403 405", post="401 403 403 201 404 403 201"
    ),
    "api-course-list": Access(get="401 200 200 200 200 200 200", post="401 403 403 400 400 403 400"),
    "api-course-detail": Access(
        {"pk": "course"}, get="401 200 200 200 200 200 200", unsafe="patch", post="401 403 403 200 403 403 200"
    ),
    "api-course-module-create": Access(
        {"pk": "course"}, get="401 405 405 405 405 405 405", post="401 403 403 400 403 403 400"
    ),
    "api-course-publish": Access(
        {"pk": "course"}, get="401 405 405 405 405 405 405", post="401 403 403 200 403 403 200"
    ),
    # Anyone signed in may enrol themselves in a published course open to self-enrolment.
    "api-course-enrol": Access({"pk": "course"}, get="401 405 405 405 405 405 405", post="401 200 201 403 403 403 403"),
    "api-enrollment-list": Access(
        get="401 200 200 200 200 200 200", post="401 405 405 405 405 405 405", shows={NAME: OWNER_AND_STAFF}
    ),
    "api-lesson-complete": Access(
        {"pk": "lesson"}, get="401 405 405 405 405 405 405", post="401 200 404 403 403 403 403"
    ),
    "api-module-lesson-create": Access(
        {"pk": "module"}, get="401 405 405 405 405 405 405", post="401 403 403 400 403 403 400"
    ),
    # Staff read any published course; a trainee only the courses they are enrolled in.
    "api-lesson-detail": Access(
        {"pk": "lesson"}, get="401 200 404 200 200 200 200", unsafe="patch", post="401 403 404 200 403 403 200"
    ),
    "api-module-detail": Access(
        {"pk": "module"}, get="401 405 405 405 405 405 405", unsafe="patch", post="401 403 403 400 403 403 400"
    ),
    "api-course-modules-order": Access(
        {"pk": "course"}, get="401 405 405 405 405 405 405", post="401 403 403 400 403 403 400"
    ),
    "api-module-lessons-order": Access(
        {"pk": "module"}, get="401 405 405 405 405 405 405", post="401 403 403 400 403 403 400"
    ),
    "api-module-archive": Access(
        {"pk": "module"}, get="401 405 405 405 405 405 405", post="401 403 403 200 403 403 200"
    ),
    "api-module-unarchive": Access(
        {"pk": "module"}, get="401 405 405 405 405 405 405", post="401 403 403 200 403 403 200"
    ),
    "api-lesson-archive": Access(
        {"pk": "lesson"}, get="401 405 405 405 405 405 405", post="401 403 404 200 403 403 200"
    ),
    "api-lesson-unarchive": Access(
        {"pk": "lesson"}, get="401 405 405 405 405 405 405", post="401 403 404 200 403 403 200"
    ),
    "api-course-submit": Access(
        {"pk": "course"}, get="401 405 405 405 405 405 405", post="401 403 403 400 403 403 400"
    ),
    "api-course-return-to-draft": Access(
        {"pk": "course"}, get="401 405 405 405 405 405 405", post="401 403 403 400 403 403 400"
    ),
    "api-course-archive": Access(
        {"pk": "course"}, get="401 405 405 405 405 405 405", post="401 403 403 200 403 403 200"
    ),
    "api-course-unarchive": Access(
        {"pk": "course"}, get="401 405 405 405 405 405 405", post="401 403 403 400 403 403 400"
    ),
    "api-course-authors": Access(
        {"pk": "course"}, get="401 403 403 200 403 403 200", post="401 403 403 400 403 403 400"
    ),
    "api-course-author-delete": Access(
        {"pk": "course", "user_id": "people.trainer_in"},
        get="401 405 405 405 405 405 405",
        unsafe="delete",
        post="401 403 403 400 403 403 400",
    ),
    "api-lesson-attachments": Access(
        {"pk": "lesson"}, get="401 405 405 405 405 405 405", post="401 403 404 400 403 403 400"
    ),
    "api-attachment-delete": Access(
        {"pk": "attachment"}, get="401 405 405 405 405 405 405", unsafe="delete", post="401 403 404 204 403 403 204"
    ),
    "api-session-list": Access(
        get="401 200 200 200 200 200 200", post="401 403 403 400 400 403 400", shows={SUBTREE: OWNER_AND_STAFF}
    ),
    "api-session-detail": Access(
        {"pk": "session"},
        get="401 200 404 200 404 200 200",
        unsafe="patch",
        post="401 403 404 200 404 403 200",
        shows={SUBTREE: OWNER_AND_STAFF},
    ),
    "api-session-cancel": Access(
        {"pk": "session"}, get="401 405 405 405 405 405 405", post="401 403 404 200 404 403 200"
    ),
    "api-session-registrations": Access(
        {"pk": "session"},
        get="401 403 404 200 404 200 200",
        post="401 403 404 400 404 403 400",
        shows={NAME: STAFF, SERVICE_NUMBER: STAFF, SUBTREE: STAFF},
    ),
    "api-session-attendance": Access(
        {"pk": "session"}, get="401 405 405 405 405 405 405", post="401 403 404 400 404 403 400"
    ),
    "api-session-practicals": Access(
        {"pk": "session"}, get="401 405 405 405 405 405 405", post="401 403 404 400 404 403 400"
    ),
    "api-session-paper-scores": Access(
        {"pk": "session"}, get="401 405 405 405 405 405 405", post="401 403 404 400 404 403 400"
    ),
    # Fixed: a trainee or a leader posting an assessment got 400 (the body was read first), now 403.
    "api-assessment-list": Access(get="401 200 200 200 200 200 200", post="401 403 403 400 400 403 400"),
    # Staff read any published course; a trainee only the courses they are enrolled in.
    "api-assessment-detail": Access(
        {"pk": "assessment"}, get="401 200 404 200 200 200 200", post="401 405 405 405 405 405 405"
    ),
    "api-assessment-questions": Access(
        {"pk": "assessment"}, get="401 405 405 405 405 405 405", post="401 403 404 400 403 403 400"
    ),
    "api-assessment-publish": Access(
        {"pk": "assessment"}, get="401 405 405 405 405 405 405", post="401 403 404 200 403 403 200"
    ),
    "api-assessment-attempts": Access(
        {"pk": "assessment"}, get="401 405 405 405 405 405 405", post="401 201 404 403 403 403 403"
    ),
    "api-assessment-allowances": Access(
        {"pk": "assessment"}, get="401 403 403 405 405 403 405", post="401 403 403 400 400 403 400"
    ),
    "api-attempt-detail": Access(
        {"pk": "attempt"},
        get="401 200 404 200 404 200 200",
        post="401 405 405 405 405 405 405",
        shows={ESSAY: OWNER_AND_KEY_READERS},
    ),
    "api-attempt-answer-save": Access(
        {"pk": "attempt", "question_id": "answer.question_id"},
        get="401 405 405 405 405 405 405",
        unsafe="put",
        post="401 400 404 403 404 403 403",
    ),
    "api-attempt-submit": Access(
        {"pk": "attempt"}, get="401 405 405 405 405 405 405", post="401 200 404 403 404 403 403"
    ),
    "api-answer-grade": Access({"pk": "answer"}, get="401 403 403 405 405 403 405", post="401 403 403 400 404 403 400"),
    # The South trainer gets the queue of their own scope: empty.
    "api-grading-queue": Access(
        get="401 403 403 200 200 403 200", post="401 403 403 405 405 403 405", shows={ESSAY: "trainer_in admin"}
    ),
    "api-assessment-pools": Access(
        {"pk": "assessment"}, get="401 403 404 200 403 403 200", post="401 403 404 400 403 403 400"
    ),
    "api-assessment-pool": Access(
        {"pk": "assessment", "pool_id": "pool"},
        get="401 405 405 405 405 405 405",
        unsafe="delete",
        post="401 403 404 204 403 403 204",
    ),
    "api-assessment-import": Access(
        {"pk": "assessment"}, get="401 405 405 405 405 405 405", post="401 403 404 400 403 403 400"
    ),
    "api-assessment-export": Access(
        {"pk": "assessment"}, get="401 403 404 200 403 403 200", post="401 405 405 405 405 405 405"
    ),
    "api-question-correct": Access(
        {"pk": "question"}, get="401 405 405 405 405 405 405", unsafe="patch", post="401 403 403 200 403 403 200"
    ),
    "api-question-archive": Access(
        {"pk": "question"}, get="401 405 405 405 405 405 405", post="401 403 403 200 403 403 200"
    ),
    # Public by design: whoever holds the code sees the holder's name.
    "api-certificate-verify": Access(
        {"code": "certificate.code"},
        get="200 200 200 200 200 200 200",
        post="405 405 405 405 405 405 405",
        shows={NAME: "anonymous trainee other_trainee trainer_in trainer_out leader admin"},
    ),
    "api-certificate-list": Access(
        get="401 200 200 200 200 200 200", post="401 405 405 405 405 405 405", shows={NAME: OWNER_AND_STAFF}
    ),
    "api-certificate-detail": Access(
        {"code": "certificate.code"},
        get="401 200 404 200 404 200 200",
        post="401 405 405 405 405 405 405",
        shows={NAME: OWNER_AND_STAFF, SERVICE_NUMBER: OWNER_AND_STAFF},
    ),
    "api-certificate-pdf": Access(
        {"code": "certificate.code"},
        get="401 200 404 200 404 200 200",
        post="401 405 405 405 405 405 405",
        shows={NAME: OWNER_AND_STAFF},
    ),
    "api-certificate-revoke": Access(
        {"code": "certificate.code"}, get="401 405 405 405 405 405 405", post="401 403 404 400 404 403 400"
    ),
    "api-certificate-reissue": Access(
        {"code": "certificate.code"}, get="401 405 405 405 405 405 405", post="401 403 404 400 404 403 400"
    ),
    "api-certificate-run": Access({"pk": "run"}, get="401 404 404 200 404 404 200", post="401 405 405 405 405 405 405"),
    "api-notification-list": Access(
        get="401 200 200 200 200 200 200",
        post="401 405 405 405 405 405 405",
        shows={NOTICE: "trainee", SUBTREE: "trainee"},
    ),
    "api-notification-read": Access(get="401 405 405 405 405 405 405", post="401 200 200 200 200 200 200"),
    "api-readiness-summary": Access(
        get="401 403 403 403 403 200 200", post="401 403 403 403 403 405 405", shows={SUBTREE: "leader admin"}
    ),
    "api-readiness-unit": Access(
        {"pk": "tree.north_station"},
        get="401 403 403 403 403 200 200",
        post="401 403 403 403 403 405 405",
        shows={SUBTREE: "leader admin"},
    ),
    "api-readiness-snapshots": Access(get="401 403 403 403 403 200 200", post="401 403 403 403 403 405 405"),
    "api-readiness-sync": Access(get="401 403 403 403 403 403 405", post="401 403 403 403 403 403 202"),
    "home": Access(
        get="L   200 200 200 200 200 200",
        post="L   200 200 200 200 200 200",
        shows={NAME: "trainee", SERVICE_NUMBER: "trainee", SUBTREE: "trainee"},
    ),
    "set_language": Access(get="405 405 405 405 405 405 405", post="302 302 302 302 302 302 302"),
    "login": Access(get="200 302 302 302 302 302 302", post="200 302 302 302 302 302 302"),
    "logout": Access(get="405 405 405 405 405 405 405", post="L   L   L   L   L   L   L"),
    "unit-list": Access(get="L   403 403 200 200 200 200", post="L   403 403 200 200 200 200", shows={SUBTREE: STAFF}),
    "unit-detail": Access(
        {"pk": "tree.north_station"},
        get="L   403 403 200 404 200 200",
        post="L   403 403 200 404 200 200",
        shows={NAME: STAFF, SERVICE_NUMBER: STAFF, SUBTREE: STAFF},
    ),
    "unit-activation-slips": Access(
        {"pk": "tree.north_station"},
        get="L   403 403 200 404 403 200",
        post="L   403 403 200 404 403 200",
        shows={SUBTREE: "trainer_in admin"},
    ),
    # The officer reads their own training record (without the staff's activation codes).
    "officer-detail": Access(
        {"pk": "tree.officer"},
        get="L   200 403 200 404 200 200",
        post="L   200 403 200 404 200 200",
        shows={NAME: OWNER_AND_STAFF, SERVICE_NUMBER: OWNER_AND_STAFF, SUBTREE: STAFF},
    ),
    # Keeping the record: trainers in scope and admins (an empty form is answered with its errors).
    **dict.fromkeys(("officer-transfer", "officer-leave", "officer-account-status"), RECORD_KEEPING),
    "officer-activation-code": Access(
        {"pk": "tree.unregistered"}, get="L   405 405 405 405 405 405", post="L   403 403 200 404 403 200"
    ),
    "officer-activation-slip": Access(
        {"pk": "tree.unregistered"}, get="L   405 405 405 405 405 405", post="L   403 403 302 404 403 302"
    ),
    "activate": Access(get="200 200 200 200 200 200 200", post="200 200 200 200 200 200 200"),
    "password_reset": Access(get="200 200 200 200 200 200 200", post="200 200 200 200 200 200 200"),
    "password_reset_done": Access(get="200 200 200 200 200 200 200", post="405 405 405 405 405 405 405"),
    "password_reset_confirm": Access(
        {"uidb64": "reset.uid", "token": "reset.token"},
        get="200 200 200 200 200 200 200",
        post="200 200 200 200 200 200 200",
    ),
    "password_reset_complete": Access(get="200 200 200 200 200 200 200", post="405 405 405 405 405 405 405"),
    # One's own account: everyone signed in has one; trainee A's token is revoked only by her.
    "account": Access(get="L   200 200 200 200 200 200", post="L   405 405 405 405 405 405", shows={NAME: "trainee"}),
    "password_change": Access(get="L   200 200 200 200 200 200", post="L   200 200 200 200 200 200"),
    "account-token-revoke": Access(
        {"pk": "token"}, get="L   405 405 405 405 405 405", post="L   302 404 404 404 404 404"
    ),
    "roster-import": Access(get="L   403 403 200 200 403 200", post="L   403 403 200 200 403 200"),
    "course-catalogue": Access(get="L   200 200 200 200 200 200", post="L   200 200 200 200 200 200"),
    "course-outline": Access({"pk": "course"}, get="L   200 200 200 200 200 200", post="L   200 200 200 200 200 200"),
    # Anyone signed in may enrol themselves in a published course open to self-enrolment.
    "course-self-enrol": Access(
        {"pk": "course"}, get="L   405 405 405 405 405 405", post="L   302 302 302 302 302 302"
    ),
    "my-courses": Access(get="L   200 200 200 200 200 200", post="L   200 200 200 200 200 200"),
    # Staff read any published course; a trainee only the courses they are enrolled in.
    "lesson-detail": Access({"pk": "lesson"}, get="L   200 404 200 200 200 200", post="L   200 404 200 200 200 200"),
    "lesson-complete": Access({"pk": "lesson"}, get="L   405 405 405 405 405 405", post="L   302 404 403 403 403 403"),
    "course-enrol": Access(
        {"pk": "course"},
        get="L   403 403 200 200 403 200",
        post="L   403 403 200 200 403 200",
        shows={SUBTREE: "trainer_in admin"},
    ),
    # The South trainer gets the report of their own scope: nothing of North.
    "course-report": Access(
        {"pk": "course"},
        get="L   403 403 200 200 200 200",
        post="L   403 403 200 200 200 200",
        shows={SUBTREE: "trainer_in"},
    ),
    "lesson-attachment": Access(
        {"pk": "attachment"}, get="L   200 404 200 200 200 200", post="L   405 405 405 405 405 405"
    ),
    "author-course-list": Access(get="L   403 403 200 200 403 200", post="L   403 403 200 200 403 200"),
    "author-course-create": Access(get="L   403 403 200 200 403 200", post="L   403 403 200 200 403 200"),
    "author-course-edit": Access(
        {"pk": "course"}, get="L   403 403 200 403 403 200", post="L   403 403 200 403 403 200"
    ),
    "author-course-status": Access(
        {"pk": "course"}, get="L   405 405 405 405 405 405", post="L   403 403 404 403 403 404"
    ),
    "author-module-create": Access(
        {"pk": "course"}, get="L   405 405 405 405 405 405", post="L   403 403 302 403 403 302"
    ),
    "author-author-add": Access(
        {"pk": "course"}, get="L   405 405 405 405 405 405", post="L   403 403 302 403 403 302"
    ),
    "author-author-remove": Access(
        {"pk": "course", "user_id": "people.trainer_in"},
        get="L   405 405 405 405 405 405",
        post="L   403 403 302 403 403 302",
    ),
    "author-module-rename": Access(
        {"pk": "module"}, get="L   405 405 405 405 405 405", post="L   403 403 302 403 403 302"
    ),
    "author-module-move": Access(
        {"pk": "module"}, get="L   405 405 405 405 405 405", post="L   403 403 302 403 403 302"
    ),
    "author-module-archive": Access(
        {"pk": "module"}, get="L   405 405 405 405 405 405", post="L   403 403 302 403 403 302"
    ),
    "author-lesson-create": Access(
        {"pk": "module"}, get="L   405 405 405 405 405 405", post="L   403 403 302 403 403 302"
    ),
    "author-lesson-edit": Access(
        {"pk": "lesson"}, get="L   403 404 200 403 403 200", post="L   403 404 200 403 403 200"
    ),
    "author-lesson-preview": Access(
        {"pk": "lesson"}, get="L   403 404 200 403 403 200", post="L   403 404 200 403 403 200"
    ),
    "author-lesson-move": Access(
        {"pk": "lesson"}, get="L   405 405 405 405 405 405", post="L   403 404 302 403 403 302"
    ),
    "author-lesson-archive": Access(
        {"pk": "lesson"}, get="L   405 405 405 405 405 405", post="L   403 404 302 403 403 302"
    ),
    "author-attachment-upload": Access(
        {"pk": "lesson"}, get="L   405 405 405 405 405 405", post="L   403 404 302 403 403 302"
    ),
    # Without confirm=1 both show what deleting would do; nothing is deleted.
    "author-attachment-delete": Access(
        {"pk": "attachment"}, get="L   403 404 200 403 403 200", post="L   403 404 200 403 403 200"
    ),
    "session-list": Access(
        get="L   200 200 200 200 200 200", post="L   200 200 200 200 200 200", shows={SUBTREE: OWNER_AND_STAFF}
    ),
    "session-create": Access(
        get="L   403 403 200 200 403 200", post="L   403 403 200 200 403 200", shows={SUBTREE: "trainer_in admin"}
    ),
    "session-detail": Access(
        {"pk": "session"},
        get="L   200 404 200 404 200 200",
        post="L   200 404 200 404 200 200",
        shows={SUBTREE: OWNER_AND_STAFF, NAME: STAFF, SERVICE_NUMBER: STAFF},
    ),
    "session-edit": Access(
        {"pk": "session"},
        get="L   403 404 200 404 403 200",
        post="L   403 404 200 404 403 200",
        shows={SUBTREE: "trainer_in admin"},
    ),
    "session-cancel": Access({"pk": "session"}, get="L   405 405 405 405 405 405", post="L   403 404 302 404 403 302"),
    "session-register": Access(
        {"pk": "session"},
        get="L   403 404 200 404 403 200",
        post="L   403 404 200 404 403 200",
        shows={SUBTREE: "trainer_in admin"},
    ),
    "session-unregister": Access(
        {"pk": "session", "officer_id": "tree.officer"},
        get="L   405 405 405 405 405 405",
        post="L   403 404 302 404 403 302",
    ),
    "session-attendance": Access(
        {"pk": "session"},
        get="L   403 404 200 404 403 200",
        post="L   403 404 200 404 403 200",
        shows={SUBTREE: "trainer_in admin"},
    ),
    "session-results": Access(
        {"pk": "session"},
        get="L   403 404 200 404 403 200",
        post="L   403 404 200 404 403 200",
        shows={SUBTREE: "trainer_in admin"},
    ),
    # Staff read any published course; a trainee only the courses they are enrolled in.
    "assessment-detail": Access(
        {"pk": "assessment"}, get="L   200 404 200 200 200 200", post="L   200 404 200 200 200 200"
    ),
    "assessment-start": Access(
        {"pk": "assessment"}, get="L   405 405 405 405 405 405", post="L   302 404 403 403 403 403"
    ),
    # Only the owner takes an attempt (a submitted one redirects to its result).
    "attempt-take": Access({"pk": "attempt"}, get="L   302 404 404 404 404 404", post="L   302 404 404 404 404 404"),
    "attempt-result": Access(
        {"pk": "attempt"},
        get="L   200 404 200 404 200 200",
        post="L   200 404 200 404 200 200",
        shows={ESSAY: OWNER_AND_KEY_READERS, NAME: STAFF, SERVICE_NUMBER: STAFF},
    ),
    # The South trainer gets the queue of their own scope: empty.
    "grading-queue": Access(
        get="L   403 403 200 200 403 200", post="L   403 403 200 200 403 200", shows={NAME: "trainer_in admin"}
    ),
    "answer-grade": Access(
        {"pk": "answer"},
        get="L   403 403 200 404 403 200",
        post="L   403 403 200 404 403 200",
        shows={NAME: "trainer_in admin", ESSAY: "trainer_in admin"},
    ),
    "allowance-new?officer={w.tree.officer.pk}": Access(
        {"pk": "assessment"},
        get="L   403 403 200 404 403 200",
        post="L   403 403 200 404 403 200",
        shows={NAME: "trainer_in admin", SERVICE_NUMBER: "trainer_in admin"},
    ),
    "assessment-statistics": Access(
        {"pk": "assessment"}, get="L   403 403 200 200 200 200", post="L   403 403 200 200 200 200"
    ),
    "questions-import": Access(
        {"pk": "assessment"}, get="L   403 404 200 403 403 200", post="L   403 404 200 403 403 200"
    ),
    "questions-export": Access(
        {"pk": "assessment"}, get="L   403 404 200 403 403 200", post="L   405 405 405 405 405 405"
    ),
    "assessment-create": Access(
        {"pk": "course"}, get="L   403 403 200 403 403 200", post="L   403 403 200 403 403 200"
    ),
    "assessment-publish": Access(
        {"pk": "assessment"}, get="L   405 405 405 405 405 405", post="L   403 404 302 403 403 302"
    ),
    "assessment-edit": Access(
        {"pk": "assessment"}, get="L   403 404 200 403 403 200", post="L   403 404 200 403 403 200"
    ),
    "assessment-questions": Access(
        {"pk": "assessment"}, get="L   403 404 200 403 403 200", post="L   405 405 405 405 405 405"
    ),
    "question-create": Access(
        {"pk": "assessment"}, get="L   403 404 200 403 403 200", post="L   403 404 200 403 403 200"
    ),
    "question-edit": Access(
        {"pk": "assessment", "question_pk": "question"},
        get="L   403 404 200 403 403 200",
        post="L   403 404 200 403 403 200",
    ),
    "question-archive": Access(
        {"pk": "assessment", "question_pk": "question"},
        get="L   405 405 405 405 405 405",
        post="L   403 404 302 403 403 302",
    ),
    "assessment-pools": Access(
        {"pk": "assessment"}, get="L   403 404 200 403 403 200", post="L   403 404 200 403 403 200"
    ),
    "pool-delete": Access(
        {"pk": "assessment", "pool_pk": "pool"}, get="L   405 405 405 405 405 405", post="L   403 404 302 403 403 302"
    ),
    "my-certificates": Access(get="L   200 200 200 200 200 200", post="L   405 405 405 405 405 405"),
    # One's own certificates: staff without an officer record get 404.
    "certificate-transcript": Access(
        get="L   200 200 404 404 404 404",
        post="L   405 405 405 405 405 405",
        shows={NAME: "trainee", SERVICE_NUMBER: "trainee"},
    ),
    "certificate-detail": Access(
        {"code": "certificate.code"},
        get="L   200 404 200 404 200 200",
        post="L   405 405 405 405 405 405",
        shows={NAME: OWNER_AND_STAFF, SERVICE_NUMBER: OWNER_AND_STAFF},
    ),
    "certificate-revoke": Access(
        {"code": "certificate.code"}, get="L   405 405 405 405 405 405", post="L   403 404 400 404 403 400"
    ),
    "certificate-reissue": Access(
        {"code": "certificate.code"}, get="L   405 405 405 405 405 405", post="L   403 404 400 404 403 400"
    ),
    # The South trainer gets the certificates of their own scope: nothing of North.
    "course-certificates": Access(
        {"pk": "certified_course"},
        get="L   403 403 200 200 200 200",
        post="L   405 405 405 405 405 405",
        shows={NAME: STAFF, SERVICE_NUMBER: STAFF, SUBTREE: STAFF},
    ),
    # Staff see the rows of their own scope: the South trainer nothing of North.
    "course-gradebook": Access(
        {"pk": "certified_course"},
        get="L   403 403 200 200 200 200",
        post="L   405 405 405 405 405 405",
        shows={NAME: STAFF, SERVICE_NUMBER: STAFF, SUBTREE: STAFF},
    ),
    "certificate-verify": Access(get="200 200 200 200 200 200 200", post="405 405 405 405 405 405 405"),
    # Public by design: whoever holds the code sees the holder's name.
    "certificate-verify-detail": Access(
        {"code": "certificate.code"},
        get="200 200 200 200 200 200 200",
        post="400 400 400 400 400 400 400",
        shows={NAME: "anonymous trainee other_trainee trainer_in trainer_out leader admin"},
    ),
    "certificate-run-create": Access(
        {"pk": "certified_course"}, get="L   403 403 200 200 403 200", post="L   403 403 200 200 403 200"
    ),
    "certificate-run-detail": Access(
        {"pk": "run"}, get="L   404 404 200 404 404 200", post="L   405 405 405 405 405 405"
    ),
    "certificate-run-retry": Access(
        {"pk": "run"}, get="L   405 405 405 405 405 405", post="L   404 404 302 404 404 302"
    ),
    "notification-list": Access(
        get="L   200 200 200 200 200 200",
        post="L   405 405 405 405 405 405",
        shows={NOTICE: "trainee", SUBTREE: "trainee"},
    ),
    "notifications-mark-all-read": Access(get="L   405 405 405 405 405 405", post="L   302 302 302 302 302 302"),
    "notification-open": Access(
        {"pk": "notification"}, get="L   302 404 404 404 404 404", post="L   405 405 405 405 405 405"
    ),
    "audit-entry-list": Access(
        get="L   403 403 403 403 403 200", post="L   405 405 405 405 405 405", shows={SUBTREE: "admin"}
    ),
    "audit-entry-export": Access(
        get="L   403 403 403 403 403 200", post="L   405 405 405 405 405 405", shows={SUBTREE: "admin"}
    ),
    "readiness-overview": Access(get="L   403 403 403 403 200 200", post="L   405 405 405 405 405 405"),
    "readiness-unit": Access(
        {"pk": "tree.north_station"},
        get="L   403 403 403 403 200 200",
        post="L   405 405 405 405 405 405",
        shows={SUBTREE: "leader admin"},
    ),
    "readiness-profiles": Access(get="L   403 403 403 403 200 200", post="L   405 405 405 405 405 405"),
    "readiness-profile-create": Access(get="L   403 403 403 403 200 200", post="L   403 403 403 403 200 200"),
    "readiness-profile": Access(
        {"pk": "profile"}, get="L   403 403 403 403 200 200", post="L   403 403 403 403 200 200"
    ),
    "readiness-requirement-add": Access(
        {"pk": "profile"}, get="L   403 403 403 403 200 200", post="L   403 403 403 403 200 200"
    ),
    "readiness-requirement-edit": Access(
        {"pk": "profile", "code": "requirement.competency_id"},
        get="L   403 403 403 403 200 200",
        post="L   403 403 403 403 200 200",
    ),
    "readiness-requirement-delete": Access(
        {"pk": "profile", "code": "requirement.competency_id"},
        get="L   405 405 405 405 405 405",
        post="L   403 403 403 403 302 302",
    ),
    "readiness-assessments": Access(
        {"pk": "tree.north_station"},
        get="L   403 403 403 403 200 200",
        post="L   403 403 403 403 200 200",
        shows={SUBTREE: "leader admin"},
    ),
    "readiness-handover": Access(
        {"pk": "tree.north_station"},
        get="L   403 403 403 403 200 200",
        post="L   403 403 403 403 200 200",
        shows={SUBTREE: "leader admin"},
    ),
    # The leader recorded the decision and may not approve it; the admin's approval of a
    # decision already in effect (a deferral) is refused with a message.
    "readiness-handover-approve": Access(
        {"pk": "tree.north_station", "decision_pk": "decision"},
        get="L   405 405 405 405 405 405",
        post="L   403 403 403 403 403 302",
    ),
    "readiness-briefing": Access(
        {"pk": "tree.north_station"},
        get="L   403 403 403 403 200 200",
        post="L   405 405 405 405 405 405",
        shows={SUBTREE: "leader admin"},
    ),
    # Query parameters that name an object or another format: the same scoping holds.
    "api-unit-list?parent={w.tree.north.pk}": Access(
        get="401 200 200 200 200 200 200", post="401 405 405 405 405 405 405", shows={SUBTREE: STAFF}
    ),
    "api-officer-list?unit={w.tree.north_station.pk}": Access(
        get="401 403 403 200 404 200 200",
        post="401 403 403 405 405 405 405",
        shows={NAME: STAFF, SERVICE_NUMBER: STAFF, SUBTREE: STAFF},
    ),
    "api-enrollment-list?course={w.course.pk}": Access(
        get="401 200 200 200 200 200 200", post="401 405 405 405 405 405 405", shows={NAME: OWNER_AND_STAFF}
    ),
    "api-session-list?course={w.course.pk}": Access(
        get="401 200 200 200 200 200 200", post="401 403 403 400 400 403 400", shows={SUBTREE: OWNER_AND_STAFF}
    ),
    "api-certificate-list?unit={w.tree.north_station.pk}": Access(
        get="401 200 200 200 200 200 200", post="401 405 405 405 405 405 405", shows={NAME: OWNER_AND_STAFF}
    ),
    "api-readiness-snapshots?unit={w.tree.north_station.pk}": Access(
        get="401 403 403 403 403 200 200", post="401 403 403 403 403 405 405"
    ),
    "course-enrol?unit={w.tree.north_station.pk}": Access(
        {"pk": "course"},
        get="L   403 403 200 404 403 200",
        post="L   403 403 200 404 403 200",
        shows={SUBTREE: "trainer_in admin"},
    ),
    "course-report?unit={w.tree.north_station.pk}": Access(
        {"pk": "course"}, get="L   403 403 200 404 200 200", post="L   403 403 200 404 200 200", shows={SUBTREE: STAFF}
    ),
    "course-report?format=csv": Access(
        {"pk": "course"},
        get="L   403 403 200 200 200 200",
        post="L   403 403 200 200 200 200",
        shows={SUBTREE: "trainer_in"},
    ),
    "course-certificates?format=csv": Access(
        {"pk": "certified_course"},
        get="L   403 403 200 200 200 200",
        post="L   405 405 405 405 405 405",
        shows={NAME: STAFF, SERVICE_NUMBER: STAFF, SUBTREE: STAFF},
    ),
    "assessment-statistics?format=csv&table=items": Access(
        {"pk": "assessment"}, get="L   403 403 200 200 200 200", post="L   403 403 200 200 200 200"
    ),
    "readiness-overview?format=csv": Access(get="L   403 403 403 403 200 200", post="L   405 405 405 405 405 405"),
    "readiness-unit?format=csv": Access(
        {"pk": "tree.north_station"}, get="L   403 403 403 403 200 200", post="L   405 405 405 405 405 405"
    ),
    "readiness-unit?format=csv&table=units": Access(
        {"pk": "tree.north"},
        get="L   403 403 403 403 200 200",
        post="L   405 405 405 405 405 405",
        shows={SUBTREE: "leader admin"},
    ),
    # A draft course: staff (the South trainer too) read every course, as ``course_list``
    # says; a trainee none before it is published, and cannot enrol in it.
    "course-outline [draft]": Access(
        {"pk": "draft_course"}, get="L   404 404 200 200 200 200", post="L   404 404 200 200 200 200"
    ),
    "course-self-enrol [draft]": Access(
        {"pk": "draft_course"}, get="L   405 405 405 405 405 405", post="L   404 404 302 302 302 302"
    ),
    "lesson-detail [draft]": Access(
        {"pk": "draft_lesson"},
        get="L   404 404 200 200 200 200",
        post="L   404 404 200 200 200 200",
        shows={DRAFT: "trainer_in trainer_out leader admin"},
    ),
    "author-lesson-preview [draft]": Access(
        {"pk": "draft_lesson"},
        get="L   404 404 200 403 403 200",
        post="L   404 404 200 403 403 200",
        shows={DRAFT: "trainer_in admin"},
    ),
    "api-course-detail [draft]": Access(
        {"pk": "draft_course"}, get="401 404 404 200 200 200 200", unsafe="patch", post="401 404 404 200 403 403 200"
    ),
    "api-course-enrol [draft]": Access(
        {"pk": "draft_course"}, get="401 405 405 405 405 405 405", post="401 404 404 403 403 403 403"
    ),
    "api-lesson-detail [draft]": Access(
        {"pk": "draft_lesson"},
        get="401 404 404 200 200 200 200",
        unsafe="patch",
        post="401 404 404 200 403 403 200",
        shows={DRAFT: "trainer_in trainer_out leader admin"},
    ),
}


def url_patterns(patterns=None, prefix: str = "") -> list[tuple[str, str]]:
    """(name, route) of every pattern, nested includes walked; the Django admin's own
    patterns are left to ``test_the_django_admin_*``."""
    found = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name != "admin":
                found += url_patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            route = prefix + str(pattern.pattern)
            found.append((pattern.name or route, route))
    return found


def test_every_url_pattern_has_a_row():
    found = url_patterns()
    names = [name for name, _route in found]
    routes = dict(found)
    duplicated = sorted({name for name in names if names.count(name) > 1})
    assert duplicated == [], f"URL names used twice (only one can be reversed and tested): {duplicated}"
    in_table = {_name_and_query(key)[0] for key in TABLE}
    missing = [f"{name} ({routes[name]})" for name in names if name not in in_table]
    assert missing == [], "URL patterns without a row in tests/security/test_access_table.py: " + ", ".join(missing)
    stale = sorted(in_table - set(names))
    assert stale == [], f"Rows of the access table for URL patterns that no longer exist: {stale}"


def test_every_row_resolves_to_its_pattern(world_db):
    for key in TABLE:
        assert resolve(url_of(key, world_db).split("?")[0]).url_name == _name_and_query(key)[0]


def _row_counts() -> list[int]:
    """The number of rows in every table but the sessions (signing in writes one), in one query."""
    tables = sorted(
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and model._meta.app_label != "sessions"
    )
    quote = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(table)})" for table in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return list(cursor.fetchone())


def _status(statuses: str, actor: str) -> int | str:
    status = statuses.split()[ACTORS.index(actor)]
    return status if status == L else int(status)


def _client(name: str, actor: str, world) -> Client:
    client = APIClient() if name.startswith("api-") else Client()
    if actor != "anonymous":
        client.force_login(getattr(world.people, actor))
    return client


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _answer_problems(client, verb: str, url: str, actor: str, access: Access, expected) -> list[str]:
    """What is wrong with the answer to one request: its status, rows written by a refused
    request, a marker shown to an outsider, or a marker missing from a GET that shows it."""
    request = f"{verb.upper()} {url} as {actor}"
    before = _row_counts() if expected in REFUSED else None
    response = getattr(client, verb)(url)
    got = response.status_code
    if got == 302 and response["Location"].split("?")[0] == reverse("login"):
        got = L
    if got != expected:
        return [f"{request}: {got}, expected {expected}"]
    problems = []
    if before is not None and _row_counts() != before:
        problems.append(f"{request} was refused but wrote rows")
    body = _body(response)
    for marker in SECRETS:
        shown = actor in access.shows.get(marker, "").split()
        # What a page shows its rightful readers proves the marker check can see it there.
        if verb == "get" and shown and marker.encode() not in body:
            problems.append(f"{request}: {marker!r} missing")
        if actor in OUTSIDERS and not shown and marker.encode() in body:
            problems.append(f"{request}: leaks {marker!r}")
    return problems


CASES = [(name, actor) for name in TABLE for actor in ACTORS]


@pytest.mark.parametrize(("name", "actor"), CASES, ids=[f"{name}-{actor}" for name, actor in CASES])
def test_access(world_db, name, actor):
    """A GET, then the row's unsafe request without valid data, each rolled back on its own."""
    access = TABLE[name]
    url = url_of(name, world_db)
    client = _client(name, actor, world_db)
    problems = []
    for verb, statuses in (("get", access.get), (access.unsafe, access.post)):
        with transaction.atomic():
            problems += _answer_problems(client, verb, url, actor, access, _status(statuses, actor))
            transaction.set_rollback(True)
    assert problems == []


def admin_urls() -> dict[str, str]:
    """Every named URL of the Django admin but its login and logout, ids filled with 1."""
    (admin,) = [p for p in get_resolver().url_patterns if isinstance(p, URLResolver) and p.app_name == "admin"]
    fill = {"object_id": "1", "id": "1", "content_type_id": "1", "app_label": "organisations"}
    urls = {}
    for pattern in admin.url_patterns:
        for inner in pattern.url_patterns if isinstance(pattern, URLResolver) else [pattern]:
            if inner.name in (None, "login", "logout"):
                continue
            kwargs = {key: fill[key] for key in inner.pattern.regex.groupindex}
            urls[inner.name] = reverse(f"admin:{inner.name}", kwargs=kwargs)
    return urls


@pytest.mark.parametrize("actor", [actor for actor in ACTORS if actor != "admin"])
def test_the_django_admin_sends_everyone_but_admins_to_its_login(world_db, actor):
    client = _client("admin", actor, world_db)
    login = reverse("admin:login")
    for url in admin_urls().values():
        response = client.get(url)
        assert (response.status_code, response["Location"].split("?")[0]) == (302, login), url


def test_the_django_admin_opens_its_index_and_every_list_for_an_admin(world_db):
    client = _client("admin", "admin", world_db)
    lists = [url for name, url in admin_urls().items() if name == "index" or name.endswith("_changelist")]
    assert len(lists) > 40
    for url in lists:
        assert client.get(url).status_code == 200, url


# Valid requests whose body names an officer or unit outside the caller's scope:
# (actor, URL name, the world object named by the URL's pk, body from the world ``w``, status).
BODY_CASES = [
    ("trainer_out", "api-course-enrol", "course", lambda w: {"officers": [w.tree.officer.pk]}, 400),
    ("trainer_out", "api-course-enrol", "course", lambda w: {"unit": w.tree.north_station.pk}, 404),
    ("trainer_in", "api-course-enrol", "course", lambda w: {"officers": [w.tree.other_officer.pk]}, 400),
    (
        "trainer_out",
        "api-assessment-allowances",
        "assessment",
        lambda w: {"officer": w.tree.officer.pk, "reason": "Sick on the day", "extra_attempts": 1},
        400,
    ),
    (
        "trainer_out",
        "api-session-list",
        None,
        lambda w: {
            "course": w.course.pk,
            "unit": w.tree.north_station.pk,
            "date": "2099-01-05",
            "start_time": "08:00",
            "place": "Briefing room",
            "capacity": 10,
        },
        400,
    ),
    ("trainer_out", "course-enrol", "course", lambda w: {"unit": w.tree.north_station.pk}, 200),
]


@pytest.mark.parametrize(
    ("actor", "name", "target", "body", "expected"), BODY_CASES, ids=[f"{c[1]}-{c[0]}" for c in BODY_CASES]
)
def test_a_body_naming_what_is_out_of_scope_is_refused_and_writes_nothing(
    world_db, actor, name, target, body, expected
):
    url = reverse(name, kwargs={"pk": getattr(world_db, target).pk} if target else {})
    client = _client(name, actor, world_db)
    before = _row_counts()

    if name.startswith("api-"):
        response = client.post(url, body(world_db), format="json")
    else:
        response = client.post(url, body(world_db))

    assert response.status_code == expected
    assert _row_counts() == before
    leaked = [marker for marker in SECRETS if marker.encode() in response.content]
    assert leaked == []
