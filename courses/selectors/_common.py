"""What the selector modules share: the roles that see across the catalogue, and whether
the user authors a course."""

from django.db.models import Exists, OuterRef

from courses.models import CourseAuthor
from organisations.models import Role, User

STAFF_ROLES = (Role.TRAINER, Role.LEADERSHIP, Role.ADMIN)


def _is_authored_by(user: User, prefix: str = "") -> Exists:
    return Exists(CourseAuthor.objects.filter(course=OuterRef(f"{prefix}pk"), user=user))
