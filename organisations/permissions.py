"""Who may call what: named DRF permission classes over the roles in ``selectors``."""

from rest_framework.permissions import BasePermission

from organisations.models import Role
from organisations.selectors import user_roles


class _HasRole(BasePermission):
    roles: tuple[str, ...] = ()

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user_roles(user).has(*self.roles, Role.ADMIN))


class IsStaffRole(_HasRole):
    """Trainers, leaders and admins: people who see others' records within their scope."""

    roles = (Role.TRAINER, Role.LEADERSHIP)


class IsTrainer(_HasRole):
    roles = (Role.TRAINER,)
