"""Who may see or act on a certificate, an issue run or a course's certificates: fetch and
authorise in one call.

Each ``access_*`` helper takes the user and an id (or code) and returns the object, or
raises ``Http404`` when the user may not see it (so its existence does not leak) and
``PermissionDenied`` when they see it but may not act on it. Pages and APIs call them alike
(DRF answers both as its 404 and 403). The services keep the rules that hold whoever calls.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from certificates import runs, selectors, services
from certificates.models import Certificate, IssueRun
from courses import selectors as course_selectors
from courses.models import Course
from organisations.models import User
from organisations.selectors import user_roles


def access_certificate(*, user: User, code: str) -> Certificate:
    """The certificate, for those ``selectors.certificate_list`` lets see it: the holder;
    trainers and leaders with the holder in scope; the course's authors; admins."""
    certificate = selectors.certificate_get(user=user, code=code)
    if certificate is None:
        raise Http404
    return certificate


def access_certificate_to_manage(*, user: User, code: str) -> Certificate:
    """The certificate, for those who revoke and reissue it (``services.certificate_can_manage``:
    the course's authors, trainers with the holder in scope, admins)."""
    certificate = access_certificate(user=user, code=code)
    if not services.certificate_can_manage(user=user, certificate=certificate):
        raise PermissionDenied
    return certificate


def access_course_certificates(*, user: User, course_id: int) -> Course:
    """The course, for those who list its certificates: staff (trainers, leaders, admins:
    holders in their scope) and the course's authors."""
    course = course_selectors.course_get(user=user, course_id=course_id)
    if course is None:
        raise Http404
    is_staff = user_roles(user).has(*course_selectors.STAFF_ROLES)
    if not is_staff and not course_selectors.course_is_editable(user=user, course=course):
        raise PermissionDenied
    return course


def access_course_to_issue(*, user: User, course_id: int) -> Course:
    """The course, for those who may start a bulk issue run of it (``runs.issue_run_can_create``)."""
    course = course_selectors.course_get(user=user, course_id=course_id)
    if course is None:
        raise Http404
    if not runs.issue_run_can_create(user=user, course=course):
        raise PermissionDenied
    return course


def access_issue_run(*, user: User, run_id: int) -> IssueRun:
    """The run, for its requester, the course's authors and admins (404 for anyone else)."""
    run = runs.issue_run_get(user=user, run_id=run_id)
    if run is None:
        raise Http404
    return run
