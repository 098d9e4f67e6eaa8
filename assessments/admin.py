from django.contrib import admin

from assessments.models import Allowance, Answer, Assessment, Attempt, Choice, Pool, Question, QuestionBank, Scenario
from assessments.permissions import is_enrolled


class ReadOnlyAdmin(admin.ModelAdmin):
    """Answer keys, attempts and answers change only through the services, which validate
    and audit; the admin reads them, except someone enrolled in the course reads no key
    (``permissions.answer_key_visible``)."""

    def course_id_of(self, obj) -> int | None:
        raise NotImplementedError

    def has_view_permission(self, request, obj=None) -> bool:
        if obj is not None:
            course_id = self.course_id_of(obj)  # None for an organisation's bank: no one is enrolled in it
            if course_id is not None and is_enrolled(user=request.user, course_id=course_id):
                return False
        return super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 0

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(QuestionBank)
class QuestionBankAdmin(admin.ModelAdmin):
    list_display = ["title", "course", "owner", "created_at"]
    raw_id_fields = ["course", "owner", "created_by"]
    search_fields = ["title"]


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ["title", "bank"]
    raw_id_fields = ["bank"]


@admin.register(Question)
class QuestionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "kind", "bank", "competency", "topic", "is_archived"]
    list_filter = ["kind", "is_archived"]
    raw_id_fields = ["bank", "scenario"]
    search_fields = ["text"]
    inlines = [ChoiceInline]

    def course_id_of(self, obj) -> int | None:
        return obj.bank.course_id


class PoolInline(admin.TabularInline):
    model = Pool
    extra = 0


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["title", "course", "module", "pass_mark", "is_required", "is_pretest", "published_at"]
    raw_id_fields = ["course", "module", "bank", "pretest_of", "created_by"]
    search_fields = ["title"]
    inlines = [PoolInline]


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyAdmin):
    """Read-only: results change through the grading services, which audit them."""

    list_display = ["__str__", "status", "score", "is_passed", "started_at", "submitted_at"]
    list_filter = ["status"]
    raw_id_fields = ["assessment", "officer"]

    def course_id_of(self, obj) -> int | None:
        return obj.assessment.course_id


@admin.register(Answer)
class AnswerAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "points", "is_correct", "needs_review"]
    raw_id_fields = ["attempt", "graded_by"]

    def course_id_of(self, obj) -> int | None:
        return obj.attempt.assessment.course_id


@admin.register(Allowance)
class AllowanceAdmin(admin.ModelAdmin):
    list_display = ["__str__", "extra_attempts", "extra_minutes", "closes_at", "granted_by", "granted_at"]
    raw_id_fields = ["assessment", "officer", "granted_by"]
