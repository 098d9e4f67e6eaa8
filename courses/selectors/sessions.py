"""In-person sessions.

Trainers, leaders and admins see the sessions hosted in their scope subtree (admins all);
an officer also sees the sessions they are registered for and the scheduled sessions of
the courses they are enrolled in and have not completed yet. Running a session (roster,
attendance, results) is for trainers whose trainer scope covers the host unit, and admins.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeAlias, TypedDict

from django.db.models import CharField, Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from courses.models import Course, Enrollment, PracticalResult, SessionRegistration, TrainingSession
from courses.selectors._common import STAFF_ROLES
from courses.selectors.courses import course_list
from organisations.models import Officer, Role, Unit, User
from organisations.selectors import scope_covers, scope_units, subtree_q, unit_in_scope, user_roles


class SessionAnnotations(TypedDict):
    """What ``session_list`` adds to each session."""

    registered_count: int
    own_attendance: str | None  # the user's own registration's attendance, None when not registered


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations  # a development dependency: for types only

    # A session as ``session_list`` returns it.
    AnnotatedSession: TypeAlias = WithAnnotations[TrainingSession, SessionAnnotations]


def trainer_scope_covers(*, user: User, unit: Unit) -> bool:
    """Whether the user is an admin or a trainer whose trainer scope covers ``unit`` (no query once roles are known)."""
    return unit_in_scope(user=user, unit=unit, roles=(Role.TRAINER,))


def session_list(
    *, user: User, course_id: int | None = None, upcoming: bool | None = None
) -> QuerySet[AnnotatedSession]:
    """Sessions the user may see, each with ``registered_count`` and ``own_attendance`` (the
    user's own registration, or None). ``upcoming``: True from today on, soonest first;
    False before today, latest first; None all, in date order. One query."""
    roles = user_roles(user)
    roots = scope_units(user) if roles.has(*STAFF_ROLES) else []
    officer = roles.officer
    if roots is None:
        queryset = TrainingSession.objects.all()
    else:
        visible = subtree_q(roots, prefix="unit__")
        if officer is not None:
            visible |= Q(_is_registered(officer)) | Q(
                Q(status=TrainingSession.Status.SCHEDULED) & Q(_is_enrolled(officer))
            )
        queryset = TrainingSession.objects.filter(visible)
    return _sessions_shaped(queryset, officer=officer, course_id=course_id, upcoming=upcoming)


def own_session_list(*, user: User, upcoming: bool | None = None) -> QuerySet[AnnotatedSession]:
    """A trainee's "My sessions": those they are registered for, and the scheduled sessions
    of courses they are enrolled in and have not completed; like ``session_list``."""
    officer = user_roles(user).officer
    if officer is None:  # shaped all the same, so that it can be filtered on its annotations
        return _sessions_shaped(TrainingSession.objects.none(), officer=None, course_id=None, upcoming=upcoming)
    queryset = TrainingSession.objects.filter(
        Q(_is_registered(officer)) | Q(Q(status=TrainingSession.Status.SCHEDULED) & Q(_is_enrolled(officer)))
    )
    return _sessions_shaped(queryset, officer=officer, course_id=None, upcoming=upcoming)


def _is_enrolled(officer: Officer) -> Exists:
    """The officer has an enrolment in progress in the session's course."""
    return Exists(
        Enrollment.objects.filter(course=OuterRef("course_id"), officer=officer, status=Enrollment.Status.IN_PROGRESS)
    )


def _is_registered(officer: Officer) -> Exists:
    return Exists(SessionRegistration.objects.filter(session=OuterRef("pk"), officer=officer))


def _sessions_shaped(
    queryset: QuerySet[TrainingSession],
    *,
    officer: Officer | None,
    course_id: int | None,
    upcoming: bool | None,
) -> QuerySet[AnnotatedSession]:
    if course_id is not None:
        queryset = queryset.filter(course_id=course_id)
    today = timezone.localdate()
    if upcoming is True:
        queryset = queryset.filter(date__gte=today).order_by("date", "start_time", "pk")
    elif upcoming is False:
        queryset = queryset.filter(date__lt=today).order_by("-date", "-start_time", "-pk")
    else:
        queryset = queryset.order_by("date", "start_time", "pk")
    own = (
        SessionRegistration.objects.filter(session=OuterRef("pk"), officer=officer).values("attendance")[:1]
        if officer is not None
        else None
    )
    return queryset.select_related("course", "unit", "trainer").annotate(
        registered_count=Coalesce(
            Subquery(
                SessionRegistration.objects.filter(session=OuterRef("pk"))
                .order_by()
                .values("session")
                .annotate(count=Count("pk"))
                .values("count")[:1]
            ),
            0,
        ),
        own_attendance=Subquery(own) if own is not None else Value(None, output_field=CharField()),
    )


def session_get(*, user: User, session_id: int) -> AnnotatedSession | None:
    return session_list(user=user).filter(pk=session_id).first()


def session_is_manageable(*, user: User, session: TrainingSession) -> bool:
    """Whether the user runs the session: its roster, attendance and results."""
    return trainer_scope_covers(user=user, unit=session.unit)


def session_roster_is_visible(*, user: User, session: TrainingSession) -> bool:
    """Staff whose scope covers the host unit (and admins) see who is registered and their results."""
    roots = scope_units(user) if user_roles(user).has(*STAFF_ROLES) else []
    return scope_covers(roots, session.unit)


def session_registrations(*, session: TrainingSession, with_practicals: bool = True) -> QuerySet[SessionRegistration]:
    """The session's registrations by officer name, with officer and unit joined and (unless
    ``with_practicals`` is false) their practical results prefetched: two queries whatever
    the size of the session."""
    queryset = (
        SessionRegistration.objects.filter(session=session)
        .select_related("officer__unit")
        .order_by("officer__family_name", "officer__given_name", "officer__service_number", "pk")
    )
    if with_practicals:
        queryset = queryset.prefetch_related(Prefetch("practicals", queryset=PracticalResult.objects.order_by("skill")))
    return queryset


def session_skills(*, session: TrainingSession, registrations: Iterable[SessionRegistration]) -> list[str]:
    """The skills a results page asks about: the course's required practicals, then any other
    skill already recorded at the session (from the prefetched ``practicals``)."""
    skills = list(session.course.required_practicals)
    known = {skill.casefold() for skill in skills}
    for registration in registrations:
        for result in registration.practicals.all():
            if result.skill.casefold() not in known:
                known.add(result.skill.casefold())
                skills.append(result.skill)
    return skills


def session_courses(*, user: User) -> QuerySet[Course]:
    """Published courses, the ones a session can be scheduled for."""
    return course_list(user=user).filter(status=Course.Status.PUBLISHED)
