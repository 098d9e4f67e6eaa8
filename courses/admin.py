from django.contrib import admin

from courses.models import Course, CourseAuthor, CourseRelease, Enrollment, Lesson, LessonProgress, Module


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


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    """Read the lessons here; write them through the API so that the HTML is sanitised."""

    list_display = ["title", "module", "order", "is_required", "is_archived"]
    list_select_related = ["module__course"]
    search_fields = ["title", "module__course__code"]
    readonly_fields = ["body_html"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CourseRelease)
class CourseReleaseAdmin(admin.ModelAdmin):
    list_display = ["course", "number", "published_at", "published_by"]
    list_select_related = ["course", "published_by"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    """Read enrolments here; enrol through the API or pages so that scope and releases are checked."""

    list_display = ["course", "officer", "status", "deadline", "enrolled_at"]
    list_filter = ["status"]
    list_select_related = ["course", "officer"]
    search_fields = ["course__code", "officer__service_number", "officer__family_name"]
    raw_id_fields = ["course", "officer", "release", "enrolled_by", "last_lesson"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LessonProgress)
class LessonProgressAdmin(admin.ModelAdmin):
    list_display = ["enrollment", "lesson", "completed_at"]
    raw_id_fields = ["enrollment", "lesson"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
