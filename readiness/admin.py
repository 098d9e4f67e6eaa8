"""Readiness in the admin: the derived tables and the history are read-only (a full
reconciliation rebuilds them from the records; snapshots are append-only), and so are the
records that feed the index (profiles, joint assessments, handover decisions): they change
through the readiness management pages, whose services audit the change and trigger the
recomputation an admin edit here would skip. Webhooks are configured here."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from readiness.models import (
    Competency,
    CompetencyMetric,
    DirtyUnit,
    HandoverDecision,
    JointAssessment,
    Requirement,
    RequirementProfile,
    Snapshot,
    SyncRun,
    SyncState,
    UnitReadiness,
    Webhook,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Competency)
class CompetencyAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "area", "order"]
    list_filter = ["area"]


class RequirementInline(ReadOnlyInline):
    model = Requirement
    fields = ["competency", "population", "position", "target", "is_gate", "weight"]


@admin.register(RequirementProfile)
class RequirementProfileAdmin(ReadOnlyAdmin):
    list_display = ["name", "unit_type", "threshold", "vetting_target", "women_target", "updated_at"]
    inlines = [RequirementInline]


@admin.register(UnitReadiness)
class UnitReadinessAdmin(ReadOnlyAdmin):
    list_display = ["unit", "status", "index", "eligible", "units_ready", "units_assessed", "computed_at"]
    list_filter = ["status", "unit__unit_type"]
    search_fields = ["unit__code", "unit__name"]
    list_select_related = ["unit"]


@admin.register(CompetencyMetric)
class CompetencyMetricAdmin(ReadOnlyAdmin):
    list_display = ["unit", "competency", "headcount", "certified", "target", "is_gate"]
    list_filter = ["competency"]
    search_fields = ["unit__code", "unit__name"]
    list_select_related = ["unit", "competency"]


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdmin):
    list_display = ["unit", "taken_on", "status", "index", "eligible", "recorded_at"]
    list_filter = ["status"]
    search_fields = ["unit__code", "unit__name"]
    date_hierarchy = "taken_on"
    list_select_related = ["unit"]


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "trigger", "started_at", "finished_at", "units", "rows_changed"]
    list_filter = ["kind"]
    date_hierarchy = "started_at"


@admin.register(SyncState)
class SyncStateAdmin(ReadOnlyAdmin):
    list_display = ["service", "last_full_at"]


@admin.register(DirtyUnit)
class DirtyUnitAdmin(ReadOnlyAdmin):
    list_display = ["unit", "marked_at"]


@admin.register(JointAssessment)
class JointAssessmentAdmin(ReadOnlyAdmin):
    list_display = [
        "unit",
        "assessed_on",
        "logistics",
        "command_stability",
        "human_rights_compliance",
        "community_acceptance",
        "recorded_by",
    ]
    search_fields = ["unit__code", "unit__name"]
    list_select_related = ["unit", "recorded_by"]


@admin.register(HandoverDecision)
class HandoverDecisionAdmin(ReadOnlyAdmin):
    list_display = ["unit", "decision", "decided_on", "recorded_by"]
    list_filter = ["decision"]
    search_fields = ["unit__code", "unit__name"]
    list_select_related = ["unit", "recorded_by"]


class WebhookForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=200, assume_scheme="https")

    class Meta:
        model = Webhook
        fields = ["url", "secret", "is_active"]
        widgets = {"secret": forms.PasswordInput(render_value=True)}

    def clean_url(self):
        url = self.cleaned_data["url"]
        if not url.lower().startswith(("https://", "http://")):
            raise forms.ValidationError(_("Only http and https addresses can receive snapshots."))
        return url

    def clean_secret(self):
        secret = self.cleaned_data["secret"]
        if len(secret) < 32:
            raise forms.ValidationError(_("Use a signing secret of at least 32 characters."))
        return secret


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    """Mission data systems that receive each day's snapshots, signed with the secret."""

    form = WebhookForm
    list_display = ["url", "is_active", "created_at"]
    list_filter = ["is_active"]
