from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import models
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from lms.request_body import BoundedJSONDecoder
from organisations import services, tokens
from organisations.forms import (
    AdminPasswordSetForm,
    OfficerAdminForm,
    ThrottledAdminAuthenticationForm,
    admin_password_actor,
)
from organisations.models import (
    ActivationCode,
    ApiToken,
    Officer,
    Organisation,
    PoliceService,
    RoleGrant,
    RosterImport,
    Transfer,
    Unit,
    User,
)


def _admin_user(request: HttpRequest) -> User:
    """The signed-in staff member: the admin site lets no one else reach its views."""
    user = request.user
    assert isinstance(user, User)
    return user


# /admin/login/ takes passwords too: without this it would be a door around the lock-out.
admin.site.login_form = ThrottledAdminAuthenticationForm


def _own_password_change(request: HttpRequest, extra_context: dict[str, object] | None = None) -> HttpResponse:
    """The admin's "Change password" is the site's page, the one door for changing one's
    own password (it asks for the current one, ends other sessions and tokens, notifies)."""
    return redirect("password_change")


# The default site keeps its other views; a custom AdminSite for one view would not pay. The
# stubs declare the view a method that renders a page; this one is a function that redirects.
admin.site.password_change = _own_password_change  # type: ignore[method-assign, assignment]  # see above


@admin.register(PoliceService)
class PoliceServiceAdmin(admin.ModelAdmin[PoliceService]):
    list_display = ["code", "name", "country"]
    search_fields = ["code", "name", "country"]
    formfield_overrides = {models.JSONField: {"decoder": BoundedJSONDecoder}}  # area level names


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ["acronym", "name", "kind", "police_service"]
    list_filter = ["kind"]
    search_fields = ["acronym", "name"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin[Unit]):
    list_display = ["code", "name", "unit_type", "parent", "depth", "is_active"]
    list_filter = ["service", "unit_type", "depth", "is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path", "depth"]

    def get_readonly_fields(self, request: HttpRequest, obj: Unit | None = None) -> list[str]:
        # The parent of an existing unit changes through unit_move, which rewrites the subtree.
        return [*self.readonly_fields, "parent", "service"] if obj else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Unit, form: forms.ModelForm[Unit], change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = services.unit_create(
            service=obj.service, code=obj.code, name=obj.name, unit_type=obj.unit_type, parent=obj.parent
        )
        obj.pk, obj.path, obj.depth = created.pk, created.path, created.depth


class TransferInline(admin.TabularInline[Transfer, Officer]):
    model = Transfer
    extra = 0
    can_delete = False
    fields = readonly_fields = ("effective_on", "from_unit", "to_unit", "recorded_by", "note")

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Officer)
class OfficerAdmin(admin.ModelAdmin[Officer]):
    form = OfficerAdminForm
    list_display = ["service_number", "family_name", "given_name", "sex", "rank", "unit", "vetting_status", "is_active"]
    list_filter = ["is_active", "sex", "vetting_status", "is_commander", "service", "unit__unit_type"]
    search_fields = ["service_number", "family_name", "given_name", "email", "phone", "unit__code", "unit__name"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit", "user"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [TransferInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Officer | None = None) -> list[str]:
        # Moving an officer is a transfer (dated, audited, an event): done through the roster or a service.
        return [*self.readonly_fields, "unit", "service"] if obj else self.readonly_fields

    def get_form(
        self, request: HttpRequest, obj: Officer | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm[Officer]]:
        # Who commands a unit is checked against the signed-in user (OfficerAdminForm.clean).
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": _admin_user(request)})


@admin.register(Transfer)
class TransferAdmin(admin.ModelAdmin[Transfer]):
    list_display = ["officer", "from_unit", "to_unit", "effective_on", "recorded_by"]
    list_filter = ["effective_on"]
    search_fields = ["officer__service_number", "officer__family_name"]
    list_select_related = ["officer", "from_unit", "to_unit", "recorded_by"]
    date_hierarchy = "effective_on"
    readonly_fields = ["officer", "from_unit", "to_unit", "effective_on", "recorded_by", "recorded_at", "note"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class RoleGrantInline(admin.TabularInline[RoleGrant, User]):
    """Shown for reference; grants are made in "Role grants", through the service."""

    model = RoleGrant
    fk_name = "user"
    extra = 0
    can_delete = False
    fields = readonly_fields = ("role", "unit", "granted_by", "granted_at")

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Preferences"), {"fields": ["preferred_language"]}),
    )
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_staff"]
    inlines = [RoleGrantInline]
    change_password_form = AdminPasswordSetForm

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        # AdminPasswordSetForm saves through passwords.user_password_set, naming the admin.
        bound = admin_password_actor.set(_admin_user(request))
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            admin_password_actor.reset(bound)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # People are deactivated, never deleted: their records must stay attributed.
        return False


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin[RoleGrant]):
    list_display = ["user", "role", "unit", "granted_by", "granted_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "unit__code", "unit__name"]
    list_select_related = ["user", "unit", "granted_by"]
    autocomplete_fields = ["user", "unit"]
    fields = ["user", "role", "unit"]

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # revoke and grant anew: each is audited

    def save_model(self, request: HttpRequest, obj: RoleGrant, form: forms.ModelForm[RoleGrant], change: bool) -> None:
        grant = services.role_grant(user=obj.user, role=obj.role, unit=obj.unit, actor=_admin_user(request))
        obj.pk = grant.pk

    def delete_model(self, request: HttpRequest, obj: RoleGrant) -> None:
        services.role_revoke(grant=obj, actor=_admin_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RoleGrant]) -> None:
        for grant in queryset.select_related("user"):
            services.role_revoke(grant=grant, actor=_admin_user(request))


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """Read only: tokens are issued by signing in; deleting one revokes it (audited)."""

    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "expires_at"]
    search_fields = ["user__username", "name", "prefix"]
    list_select_related = ["user"]
    readonly_fields = ["user", "name", "prefix", "created_at", "last_used_at", "expires_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: ApiToken) -> None:
        tokens.api_token_revoke(token=obj, actor=_admin_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset.select_related("user"):
            tokens.api_token_revoke(token=token, actor=_admin_user(request))


@admin.register(RosterImport)
class RosterImportAdmin(admin.ModelAdmin[RosterImport]):
    list_display = ["imported_at", "service", "file_name", "rows", "created", "updated", "transferred", "missing"]
    list_filter = ["service"]
    readonly_fields = [f.name for f in RosterImport._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ActivationCode)
class ActivationCodeAdmin(admin.ModelAdmin[ActivationCode]):
    list_display = ["officer", "issued_at", "expires_at", "used_at", "voided_at", "issued_by"]
    list_filter = ["used_at", "voided_at"]
    search_fields = ["officer__service_number", "officer__family_name"]
    list_select_related = ["officer", "issued_by"]
    readonly_fields = ["officer", "code_hash", "issued_by", "issued_at", "expires_at", "used_at", "voided_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
