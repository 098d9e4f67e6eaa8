"""Courses: course -> ordered modules -> ordered lessons, and the releases a course is published as.

Publishing without breaking learners: once a course has been published, its modules and
lessons are never deleted, only archived (``is_archived``), so every id handed out stays
valid. Each publish writes a ``CourseRelease`` holding the ids of the lessons a learner must
complete at that moment. Enrolments (a later slice) are pinned to the release they started
on, so structural edits made afterwards (new, archived or reordered lessons) only affect
enrolments that start on a later release, never what an in-progress trainee must do or has
already completed.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# The competency catalogue of ../shared/DOMAIN.md; readiness measures exactly these.
COMPETENCY_CODES = (
    "COP",
    "ILP",
    "INV",
    "POP",
    "HR",
    "SGBV",
    "CP",
    "POC",
    "CD",
    "CMD",
    "ADM",
    "TOT",
    "TOC",
    "BM",
)


def validate_competencies(value) -> None:
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError(_("Competencies are a list of codes."), code="invalid")
    unknown = [code for code in value if code not in COMPETENCY_CODES]
    if unknown:
        raise ValidationError(
            _("Unknown competency code(s): %(codes)s."), code="unknown_competency", params={"codes": ", ".join(unknown)}
        )


class Course(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    code = models.CharField(_("code"), max_length=30, unique=True)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="en")
    estimated_hours = models.DecimalField(_("estimated hours"), max_digits=5, decimal_places=1, null=True, blank=True)
    owner = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("owning organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="courses",
    )
    competencies = models.JSONField(_("competencies"), default=list, blank=True, validators=[validate_competencies])
    validity_months = models.PositiveSmallIntegerField(
        _("validity (months)"), null=True, blank=True, help_text=_("Empty when the course never needs a refresher.")
    )
    is_self_enrolment_open = models.BooleanField(_("open to self-enrolment"), default=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    translation_of = models.ForeignKey(
        "self",
        verbose_name=_("translation of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="translations",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} - {self.title}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class CourseAuthor(models.Model):
    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="authors")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="course_authorships"
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("course author")
        verbose_name_plural = _("course authors")
        constraints = [models.UniqueConstraint(fields=["course", "user"], name="courses_author_unique")]

    def __str__(self) -> str:
        return f"{self.user} on {self.course.code}"


class Module(models.Model):
    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="modules")
    title = models.CharField(_("title"), max_length=200)
    order = models.PositiveIntegerField(_("order"))
    is_archived = models.BooleanField(_("archived"), default=False)

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        ordering = ["course", "order", "pk"]

    def __str__(self) -> str:
        return self.title


class Lesson(models.Model):
    module = models.ForeignKey(Module, verbose_name=_("module"), on_delete=models.CASCADE, related_name="lessons")
    title = models.CharField(_("title"), max_length=200)
    order = models.PositiveIntegerField(_("order"))
    aim = models.TextField(_("aim"), blank=True)
    relevance = models.TextField(_("relevance"), blank=True)
    learning_outcomes = models.TextField(_("learning outcomes"), blank=True)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), null=True, blank=True)
    body = models.TextField(_("body (Markdown)"), blank=True)
    body_html = models.TextField(
        _("body (HTML)"),
        blank=True,
        editable=False,
        help_text=_("Sanitised rendering of the body, kept by the service."),
    )
    summary = models.TextField(_("summary"), blank=True)
    video_url = models.URLField(_("video link"), blank=True)
    is_required = models.BooleanField(_("required"), default=True)
    is_archived = models.BooleanField(_("archived"), default=False)

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        ordering = ["module", "order", "pk"]

    def __str__(self) -> str:
        return self.title


class CourseRelease(models.Model):
    """What a course required at one publish; enrolments will be pinned to one."""

    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="releases")
    number = models.PositiveIntegerField(_("number"))
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("published by"), on_delete=models.PROTECT, related_name="+"
    )
    required_lesson_ids = models.JSONField(_("required lesson ids"), default=list)

    class Meta:
        verbose_name = _("course release")
        verbose_name_plural = _("course releases")
        ordering = ["course", "number"]
        constraints = [models.UniqueConstraint(fields=["course", "number"], name="courses_release_number_unique")]

    def __str__(self) -> str:
        return f"{self.course.code} release {self.number}"


class Enrollment(models.Model):
    """One officer on one course, pinned to the release that was current when they started.

    Progress counts only the lessons of ``release``: what the course requires later never
    changes what this officer must do. Completion (``CourseCompletion``, ``course.completed``)
    is a later slice; until then ``status`` stays ``in_progress``.
    """

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")

    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="enrollments")
    officer = models.ForeignKey(
        "organisations.Officer", verbose_name=_("officer"), on_delete=models.PROTECT, related_name="enrollments"
    )
    release = models.ForeignKey(
        CourseRelease, verbose_name=_("release"), on_delete=models.PROTECT, related_name="enrollments"
    )
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("enrolled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    enrolled_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    last_lesson = models.ForeignKey(
        Lesson,
        verbose_name=_("last lesson"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Where the officer resumes."),
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["-enrolled_at", "-pk"]
        constraints = [
            # The last line of defence against a person enrolled twice, even by concurrent requests.
            models.UniqueConstraint(fields=["course", "officer"], name="courses_enrollment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.officer_id} on {self.course_id}"


class LessonProgress(models.Model):
    """A lesson an enrolled officer has completed (at most once)."""

    enrollment = models.ForeignKey(
        Enrollment, verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="lesson_progress"
    )
    lesson = models.ForeignKey(Lesson, verbose_name=_("lesson"), on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(_("completed at"))

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [models.UniqueConstraint(fields=["enrollment", "lesson"], name="courses_lesson_progress_unique")]

    def __str__(self) -> str:
        return f"lesson {self.lesson_id} of enrolment {self.enrollment_id}"
