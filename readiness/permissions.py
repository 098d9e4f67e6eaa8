"""Who may read readiness and manage what it is measured against: fetch and authorise in one call.

``*_require`` raise ``PermissionDenied`` for someone who may not use the pages at all. Each
``access_*`` helper takes the user and an id, checks that first, and returns the object or
raises ``Http404`` when it is outside the user's scope (so its existence does not leak).
Pages and APIs call them alike (DRF answers both as its 404 and 403).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from organisations.models import Unit, User
from organisations.selectors import user_roles
from readiness import selectors, services
from readiness.models import Requirement, RequirementProfile
from readiness.selectors import UnitReadinessDetail


class CanSeeReadiness(BasePermission):
    """Leaders (granted, or commanders over their own unit) and admins."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return selectors.readiness_can_see(request.user)


class IsAdmin(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user_roles(user).is_admin)


def readiness_reader_require(user: User) -> None:
    """``PermissionDenied`` unless the user reads readiness (leaders and admins)."""
    if not selectors.readiness_can_see(user):
        raise PermissionDenied


def profile_editor_require(user: User) -> None:
    """``PermissionDenied`` unless the user reads readiness and edits the requirement profiles."""
    readiness_reader_require(user)
    if not services.profiles_can_edit(user=user):
        raise PermissionDenied


def access_readiness_unit(*, user: User, unit_id: int) -> Unit:
    """The unit (with its service and stored readiness row), for a reader with it in scope."""
    readiness_reader_require(user)
    unit = selectors.readiness_unit_get(user=user, unit_id=unit_id)
    if unit is None:
        raise Http404
    return unit


def access_readiness_detail(*, user: User, unit_id: int) -> UnitReadinessDetail:
    """Everything shown about one unit (``selectors.readiness_unit_detail_get``), for a reader
    with it in scope."""
    readiness_reader_require(user)
    detail = selectors.readiness_unit_detail_get(user=user, unit_id=unit_id)
    if detail is None:
        raise Http404
    return detail


def access_profile(*, user: User, profile_id: int) -> RequirementProfile:
    """A requirement profile (with who last changed it), for any reader: every profile is
    shown to them."""
    readiness_reader_require(user)
    return get_object_or_404(RequirementProfile.objects.select_related("updated_by"), pk=profile_id)


def access_profile_to_edit(*, user: User, profile_id: int) -> RequirementProfile:
    """A requirement profile, for those who edit the profiles."""
    profile_editor_require(user)
    return get_object_or_404(RequirementProfile, pk=profile_id)


def access_requirement_to_edit(*, user: User, profile_id: int, code: str) -> Requirement:
    """A profile's requirement of one competency (with the competency), for those who edit the profiles."""
    profile_editor_require(user)
    return get_object_or_404(Requirement.objects.select_related("competency"), profile_id=profile_id, competency=code)
