"""Reads of certificates, scoped to the person asking."""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from certificates.codes import code_normalise
from certificates.models import Certificate
from courses.models import Course, CourseAuthor
from courses.selectors import STAFF_ROLES, StaffLink, course_is_editable
from organisations.models import Role, Unit, User
from organisations.selectors import scope_units, subtree_q, user_roles


def certificate_list(*, user: User) -> QuerySet[Certificate]:
    """Certificates the user may see: their own; those of officers within their trainer or
    leadership scope; those of courses they author; everything for admins."""
    queryset = Certificate.objects.select_related("course", "officer__unit")
    if not user.is_authenticated:
        return queryset.none()
    roots = scope_units(user)
    if roots is None:
        return queryset
    visible = Q(officer__user=user) | Q(Exists(CourseAuthor.objects.filter(course=OuterRef("course"), user=user)))
    if roots:
        visible |= subtree_q(roots, prefix="officer__unit__")
    return queryset.filter(visible)


def certificate_get(*, user: User, code: str) -> Certificate | None:
    """The certificate with ``code`` (as typed) if the user may see it."""
    canonical = code_normalise(code)
    if canonical is None:
        return None
    return certificate_list(user=user).filter(code=canonical).first()


def certificates_filter(
    queryset: QuerySet[Certificate], *, course_id: int | None = None, unit_id: int | None = None, status: str = ""
) -> QuerySet[Certificate]:
    """Narrow an already scoped queryset: a course, the holders' unit subtree, a status.

    An unknown unit matches nothing (one query to read its path)."""
    if course_id is not None:
        queryset = queryset.filter(course_id=course_id)
    if unit_id is not None:
        path = Unit.objects.filter(pk=unit_id).values_list("path", flat=True).first()
        queryset = queryset.filter(officer__unit__path__startswith=path) if path else queryset.none()
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def course_staff_links(*, user: User, course: Course) -> list[StaffLink]:
    """The course's certificates page for staff and authors; bulk issuing for trainers,
    authors and admins (a leader looks, but does not issue)."""
    roles = user_roles(user)
    is_author = course_is_editable(user=user, course=course)
    links = []
    if is_author or roles.has(*STAFF_ROLES):
        links.append(StaffLink(_("Certificates"), reverse("course-certificates", args=[course.pk])))
    if is_author or roles.has(Role.TRAINER, Role.ADMIN):
        links.append(StaffLink(_("Issue certificates"), reverse("certificate-run-create", args=[course.pk])))
    return links
