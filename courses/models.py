"""Courses: course -> ordered modules -> ordered lessons, and the releases a course is published as.

Publishing without breaking learners: once a course has been published, its modules and
lessons are never deleted, only archived (``is_archived``), so every id handed out stays
valid. Each publish writes a ``CourseRelease`` holding the ids of the lessons a learner must
complete at that moment. Enrolments are pinned to the release they started on, so
structural edits made afterwards (new, archived or reordered lessons) only affect
enrolments that start on a later release, never what an in-progress trainee must do or has
already completed (``docs/decisions/0002-course-releases-and-pinned-enrolments.md``).
"""

import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
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

# The same catalogue named for people (forms, certificates); translated when shown.
COMPETENCY_NAMES = {
    "COP": _("Community-oriented policing"),
    "ILP": _("Intelligence-led policing"),
    "INV": _("Criminal investigation"),
    "POP": _("Public order and public safety"),
    "HR": _("Human rights in policing"),
    "SGBV": _("Sexual and gender-based violence"),
    "CP": _("Child protection"),
    "POC": _("Protection of civilians"),
    "CD": _("Conduct and discipline"),
    "CMD": _("Command and control"),
    "ADM": _("Police administration"),
    "TOT": _("Training of trainers, mentoring and advising"),
    "TOC": _("Countering transnational organised crime"),
    "BM": _("Border management"),
}


def validate_competencies(value) -> None:
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError(_("Competencies are a list of codes."), code="invalid")
    unknown = [code for code in value if code not in COMPETENCY_CODES]
    if unknown:
        raise ValidationError(
            _("Unknown competency code(s): %(codes)s."), code="unknown_competency", params={"codes": ", ".join(unknown)}
        )


def validate_practicals(value) -> None:
    is_names = isinstance(value, list) and all(
        isinstance(skill, str) and 0 < len(skill.strip()) <= 100 for skill in value
    )
    if not is_names:
        raise ValidationError(_("Practicals are a list of skill names of at most 100 characters."), code="invalid")
    if len({skill.strip().casefold() for skill in value}) != len(value):
        raise ValidationError(_("Each practical skill is listed once."), code="duplicate")


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
    is_self_enrollment_open = models.BooleanField(_("open to self-enrolment"), default=True)
    is_sequential = models.BooleanField(
        _("modules unlock in order"),
        default=False,
        help_text=_("A module opens once the required lessons of the modules before it are done."),
    )
    requires_attendance = models.BooleanField(
        _("attendance required"),
        default=False,
        help_text=_("Completion needs attendance at an in-person session of this course."),
    )
    required_practicals = models.JSONField(
        _("required practicals"),
        default=list,
        blank=True,
        validators=[validate_practicals],
        help_text=_("Observed skills (e.g. use of force, first aid) an officer must pass at a session."),
    )
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

    # Not columns: set on some instances only, by the selector or page named (declared for the type checker).
    enrollment_status: str  # views.learning.course_catalogue: the user's enrolment status, or ""
    can_self_enrol: bool  # views.learning.course_catalogue

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} - {self.title}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def lifecycle_actions(self) -> list[str]:
        """The lifecycle actions its status allows, in the order the authoring page offers them."""
        return [action for action, sources in COURSE_TRANSITIONS.items() if self.status in sources]


# The course lifecycle, stated once: the statuses each action starts from. The services of
# ``courses.services.lifecycle`` refuse any other start, and the authoring page offers
# exactly the actions of a course's status (``Course.lifecycle_actions``).
COURSE_TRANSITIONS: dict[str, frozenset[str]] = {
    "submit": frozenset({Course.Status.DRAFT}),
    "publish": frozenset({Course.Status.DRAFT, Course.Status.IN_REVIEW, Course.Status.PUBLISHED}),
    "return": frozenset({Course.Status.IN_REVIEW}),
    "archive": frozenset({Course.Status.PUBLISHED}),
    "unarchive": frozenset({Course.Status.ARCHIVED}),
}


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
    """What a course required at one publish; each enrolment is pinned to one."""

    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="releases")
    number = models.PositiveIntegerField(_("number"))
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("published by"), on_delete=models.PROTECT, related_name="+"
    )
    required_lesson_ids = models.JSONField(_("required lesson ids"), default=list)
    requires_attendance = models.BooleanField(_("attendance required"), default=False)
    required_practicals = models.JSONField(_("required practicals"), default=list)

    class Meta:
        verbose_name = _("course release")
        verbose_name_plural = _("course releases")
        ordering = ["course", "number"]
        constraints = [models.UniqueConstraint(fields=["course", "number"], name="courses_release_number_unique")]

    def __str__(self) -> str:
        return f"{self.course.code} release {self.number}"


class Enrollment(models.Model):
    """One officer on one course, pinned to the release that was current when they started.

    Progress and completion count only what ``release`` required: what the course requires
    later never changes what this officer must do. ``status`` becomes ``completed`` together
    with the enrolment's one ``CourseCompletion``.
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
    deadline_reminded_at = models.DateTimeField(_("deadline reminder sent at"), null=True, blank=True)

    # Not columns: set on some instances only, by the selector or page named (declared for the type checker).
    progress: int  # selectors.enrollments_with_progress: percent of what the release requires that is done
    deadline_state: str  # views.learning.my_courses: "overdue", "approaching" or ""
    resume_lesson_id: int | None  # views.learning.my_courses

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


class CourseCompletion(models.Model):
    """The completion record: one per enrolment, written with a ``course.completed`` event.

    Certificates and readiness are built from these rows only. ``competencies`` and
    ``valid_until`` are copied from the course when the record is written, so later edits
    to the course never rewrite history.
    """

    enrollment = models.OneToOneField(
        Enrollment, verbose_name=_("enrolment"), on_delete=models.PROTECT, related_name="completion"
    )
    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="completions")
    officer = models.ForeignKey(
        "organisations.Officer", verbose_name=_("officer"), on_delete=models.PROTECT, related_name="completions"
    )
    release = models.ForeignKey(
        CourseRelease, verbose_name=_("release"), on_delete=models.PROTECT, related_name="completions"
    )
    completed_at = models.DateTimeField(_("completed at"))
    competencies = models.JSONField(_("competencies"), default=list)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("course completion")
        verbose_name_plural = _("course completions")
        ordering = ["-completed_at", "-pk"]
        indexes = [models.Index(fields=["officer", "course"], name="courses_completion_officer_idx")]

    def __str__(self) -> str:
        return f"{self.officer_id} completed {self.course_id}"


def _attachment_path(instance: "LessonAttachment", filename: str) -> str:
    # The stored name never comes from the uploader (it is only shown as ``filename``).
    return f"lessons/{instance.lesson_id}/{uuid.uuid4().hex}{instance.extension}"


# What ends a file name as its extension, and the other spellings of a detected type's one.
_NAME_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,10}$")
_EXTENSION_SPELLINGS = {".jpg": (".jpg", ".jpeg")}


class LessonAttachment(models.Model):
    """An image shown in a lesson or a file to download; served only to people who may read the lesson."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("Image")
        FILE = "file", _("Download")

    lesson = models.ForeignKey(Lesson, verbose_name=_("lesson"), on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=_attachment_path, max_length=255)
    filename = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    extension = models.CharField(_("extension"), max_length=10)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    # Not a column: set by selectors.attachment_get (its lesson's content is withheld from the user).
    is_locked: bool

    class Meta:
        verbose_name = _("lesson attachment")
        verbose_name_plural = _("lesson attachments")
        ordering = ["lesson", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def download_name(self) -> str:
        """The uploader's name, ending in the extension of the type told by the content, as it
        is served: a PDF uploaded as ``report.html`` downloads as ``report.pdf`` (a browser or
        a desktop opens a saved file by its name)."""
        if self.filename.lower().endswith(_EXTENSION_SPELLINGS.get(self.extension, (self.extension,))):
            return self.filename
        return (_NAME_EXTENSION.sub("", self.filename) or "attachment") + self.extension


class TrainingSession(models.Model):
    """An in-person session of a course: a classroom day at a place, with a trainer and a capacity.

    ``date`` and ``start_time`` are the local time at the place, as people read them on the
    notice board; they are shown as entered, never converted.
    """

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="sessions")
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start time (local)"))
    end_time = models.TimeField(_("end time (local)"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200)
    unit = models.ForeignKey(
        "organisations.Unit",
        verbose_name=_("host unit"),
        on_delete=models.PROTECT,
        related_name="training_sessions",
        help_text=_("Trainers whose scope covers this unit run the session."),
    )
    capacity = models.PositiveIntegerField(_("capacity"))
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("trainer"), on_delete=models.PROTECT, related_name="training_sessions"
    )
    paper_test_max_score = models.PositiveSmallIntegerField(
        _("paper test out of"), null=True, blank=True, help_text=_("Empty when the session has no paper test.")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # Not a column: set by views.sessions.session_list on the user's past sessions ("" when only registered).
    own_attendance_label: str

    class Meta:
        verbose_name = _("in-person session")
        verbose_name_plural = _("in-person sessions")
        ordering = ["date", "start_time", "pk"]

    def __str__(self) -> str:
        return f"{self.course.code} {self.date:%Y-%m-%d} {self.place}"

    @property
    def is_begun(self) -> bool:
        """Attendance and results are recorded from the day of the session (local date)."""
        return self.date <= timezone.localdate()


class SessionRegistration(models.Model):
    """An officer registered for a session, with attendance and the paper-test score."""

    class Attendance(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")
        EXCUSED = "excused", _("Excused")

    session = models.ForeignKey(
        TrainingSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="registrations"
    )
    officer = models.ForeignKey(
        "organisations.Officer",
        verbose_name=_("officer"),
        on_delete=models.PROTECT,
        related_name="session_registrations",
    )
    attendance = models.CharField(
        _("attendance"), max_length=20, choices=Attendance.choices, default=Attendance.REGISTERED
    )
    paper_score = models.DecimalField(_("paper test score"), max_digits=5, decimal_places=1, null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Not columns: set on the registrations of one page only (declared for the type checker).
    mark: str  # views.sessions.session_attendance: the mark shown checked
    rows: list[dict[str, str | int]]  # views.sessions.session_results: one row per skill
    score_text: str  # views.sessions.session_results: the paper score as typed

    class Meta:
        verbose_name = _("session registration")
        verbose_name_plural = _("session registrations")
        ordering = ["session", "pk"]
        constraints = [models.UniqueConstraint(fields=["session", "officer"], name="courses_registration_unique")]

    def __str__(self) -> str:
        return f"{self.officer_id} at {self.session_id}"

    @property
    def is_recorded(self) -> bool:
        """Attendance, a score or a practical result is recorded: the officer can no longer
        be taken off the session, only marked absent. Reads ``practicals`` (prefetched on
        pages that list registrations)."""
        return (
            self.attendance != self.Attendance.REGISTERED or self.paper_score is not None or bool(self.practicals.all())
        )


class PracticalResult(models.Model):
    """An observed skill (use of force, first aid...) assessed at a session: pass or fail, with a comment."""

    registration = models.ForeignKey(
        SessionRegistration, verbose_name=_("registration"), on_delete=models.CASCADE, related_name="practicals"
    )
    skill = models.CharField(_("skill"), max_length=100)
    is_passed = models.BooleanField(_("passed"))
    comment = models.TextField(_("comment"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    class Meta:
        verbose_name = _("practical result")
        verbose_name_plural = _("practical results")
        ordering = ["registration", "skill"]
        constraints = [models.UniqueConstraint(fields=["registration", "skill"], name="courses_practical_unique")]

    def __str__(self) -> str:
        return f"{self.skill}: {'pass' if self.is_passed else 'fail'}"
