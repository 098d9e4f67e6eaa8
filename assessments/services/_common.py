"""What the services modules share: the permission checks every write starts with, and
numbers read as authors type them and written as the snapshot keeps them."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from assessments.models import QuestionBank
from assessments.permissions import authoring_check, trainer_covers
from assessments.validation import number_text
from courses.models import Course
from organisations.models import Officer, User
from organisations.selectors import user_roles

# Permission checks ----------------------------------------------------------------------


def _course_edit_check(*, actor: User, course: Course) -> None:
    # Not audited here: the refusal rolls back this service's transaction; the pages and the
    # API check first and record it (``permissions.authoring_check``).
    authoring_check(user=actor, course=course, audit=False)


def _trainer_check(*, actor: User, officer: Officer) -> None:
    if not trainer_covers(user=actor, officer=officer):
        raise PermissionDenied(_("Only a trainer whose scope covers the officer may do this."))


def _bank_edit_check(*, actor: User, bank: QuestionBank) -> None:
    if bank.course is not None:
        _course_edit_check(actor=actor, course=bank.course)
    elif not user_roles(actor).is_admin:
        raise PermissionDenied(_("Only admins edit organisation question banks."))


# Numbers as authors type them, and as the snapshot keeps them ---------------------------


def _decimal_or_none(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        return Decimal("NaN")
    return number


def _weight_text(weight: Decimal | None) -> str | None:
    return None if weight is None else number_text(weight)
