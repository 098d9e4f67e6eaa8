from django.contrib import admin
from django.db import models

from courses.models import (
    Course,
    CourseAuthor,
    CourseCompletion,
    CourseRelease,
    Enrollment,
    Lesson,
    LessonAttachment,
    LessonProgress,
    Module,
    PracticalResult,
    SessionRegistration,
    TrainingSession,
)
from lms.request_body import BoundedJSONDecoder


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records written only by services (which check scope, audit and emit events)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CourseAuthorInline(admin.TabularInline):
    model = CourseAuthor
    extra = 0
    raw_id_fields = ["user"]


class ModuleInline(admin.TabularInline):
    model = Module
    extra = 0
    fields = ["title", "order", "is_archived"]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "language", "status", "owner"]
    list_filter = ["status", "language"]
    search_fields = ["code", "title"]
    raw_id_fields = ["created_by", "translation_of"]
    inlines = [CourseAuthorInline, ModuleInline]
    formfield_overrides = {models.JSONField: {"decoder": BoundedJSONDecoder}}  # competencies, practicals


@admin.register(Lesson)
class LessonAdmin(ReadOnlyAdmin):
    """Read the lessons here; write them through the API so that the HTML is sanitised."""

    list_display = ["title", "module", "order", "is_required", "is_archived"]
    list_select_related = ["module__course"]
    search_fields = ["title", "module__course__code"]
    readonly_fields = ["body_html"]


@admin.register(CourseRelease)
class CourseReleaseAdmin(ReadOnlyAdmin):
    list_display = ["course", "number", "published_at", "published_by"]
    list_select_related = ["course", "published_by"]


@admin.register(Enrollment)
class EnrollmentAdmin(ReadOnlyAdmin):
    """Read enrolments here; enrol through the API or pages so that scope and releases are checked."""

    list_display = ["course", "officer", "status", "deadline", "enrolled_at"]
    list_filter = ["status"]
    list_select_related = ["course", "officer"]
    search_fields = ["course__code", "officer__service_number", "officer__family_name"]
    raw_id_fields = ["course", "officer", "release", "enrolled_by", "last_lesson"]


@admin.register(LessonProgress)
class LessonProgressAdmin(ReadOnlyAdmin):
    list_display = ["enrollment", "lesson", "completed_at"]
    raw_id_fields = ["enrollment", "lesson"]


@admin.register(CourseCompletion)
class CourseCompletionAdmin(ReadOnlyAdmin):
    """Completion records are the source of truth for certificates and readiness: never edited here."""

    list_display = ["course", "officer", "completed_at", "valid_until"]
    list_select_related = ["course", "officer"]
    search_fields = ["course__code", "officer__service_number", "officer__family_name"]
    raw_id_fields = ["enrollment", "course", "officer", "release"]


@admin.register(LessonAttachment)
class LessonAttachmentAdmin(ReadOnlyAdmin):
    list_display = ["title", "lesson", "kind", "content_type", "size", "uploaded_at"]
    list_select_related = ["lesson"]
    search_fields = ["title", "filename"]
    raw_id_fields = ["lesson", "uploaded_by"]


@admin.register(TrainingSession)
class TrainingSessionAdmin(ReadOnlyAdmin):
    list_display = ["course", "date", "start_time", "place", "unit", "trainer", "status"]
    list_filter = ["status"]
    list_select_related = ["course", "unit", "trainer"]
    search_fields = ["course__code", "place"]
    raw_id_fields = ["course", "unit", "trainer", "created_by"]


@admin.register(SessionRegistration)
class SessionRegistrationAdmin(ReadOnlyAdmin):
    list_display = ["session", "officer", "attendance", "paper_score"]
    list_filter = ["attendance"]
    list_select_related = ["session__course", "officer"]
    search_fields = ["officer__service_number", "officer__family_name"]
    raw_id_fields = ["session", "officer", "registered_by"]


@admin.register(PracticalResult)
class PracticalResultAdmin(ReadOnlyAdmin):
    list_display = ["registration", "skill", "is_passed", "recorded_at"]
    list_select_related = ["registration__session__course", "registration__officer"]
    search_fields = ["skill"]
    raw_id_fields = ["registration", "recorded_by"]
