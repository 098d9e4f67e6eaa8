"""Assessments: question banks, assessments drawn from them, attempts and their grades.

An attempt keeps a snapshot of the questions and choices exactly as they were shown
(``Attempt.snapshot``), so later edits to the bank never change a past result; only an
explicit regrade after a correction does, and it is audited. Nothing a trainee can fetch
reveals the answer key before the assessment's feedback policy allows.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from courses.models import validate_competencies


class QuestionBank(models.Model):
    """Questions owned by a course (or, with no course, by an organisation)."""

    title = models.CharField(_("title"), max_length=200)
    course = models.ForeignKey(
        "courses.Course",
        verbose_name=_("course"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="question_banks",
    )
    owner = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("owning organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="question_banks",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("question bank")
        verbose_name_plural = _("question banks")
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title


class Scenario(models.Model):
    """A shared case text that several questions ask about (scenario judgement)."""

    bank = models.ForeignKey(QuestionBank, verbose_name=_("bank"), on_delete=models.CASCADE, related_name="scenarios")
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("case text"))

    class Meta:
        verbose_name = _("scenario")
        verbose_name_plural = _("scenarios")
        ordering = ["bank", "pk"]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        TRUE_FALSE = "true_false", _("True or false")
        NUMERIC = "numeric", _("Numeric")
        SHORT_TEXT = "short_text", _("Short text")
        ESSAY = "essay", _("Essay")

    bank = models.ForeignKey(QuestionBank, verbose_name=_("bank"), on_delete=models.CASCADE, related_name="questions")
    scenario = models.ForeignKey(
        Scenario,
        verbose_name=_("scenario"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="questions",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    text = models.TextField(_("question"))
    explanation = models.TextField(_("explanation"), blank=True, help_text=_("Shown with the feedback."))
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=2, default=1)
    competency = models.CharField(_("competency"), max_length=10, blank=True)
    topic = models.CharField(_("topic"), max_length=100, blank=True)
    numeric_answer = models.DecimalField(_("numeric answer"), max_digits=14, decimal_places=4, null=True, blank=True)
    numeric_tolerance = models.DecimalField(_("tolerance"), max_digits=14, decimal_places=4, default=0)
    accepted_answers = models.JSONField(
        _("accepted answers"),
        default=list,
        blank=True,
        help_text=_("Short text: answers accepted regardless of case, accents and spacing."),
    )
    numeric_partial_answers = models.JSONField(
        _("answers for part of the points"),
        default=list,
        blank=True,
        help_text=_(
            "Numeric: further ranges checked in order after the answer, each earning a share of the points: "
            '[{"answer": "3", "tolerance": "1", "weight": "50"}].'
        ),
    )
    is_archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["bank", "pk"]

    def __str__(self) -> str:
        return self.text[:80]

    def clean(self) -> None:
        if self.competency:
            validate_competencies([self.competency])


class Choice(models.Model):
    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(_("text"), max_length=500)
    is_correct = models.BooleanField(_("correct"), default=False)
    weight = models.DecimalField(
        _("credit (%)"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        help_text=_(
            "The share of the question's points this choice earns, -100 to 100 (below 0: a penalty). Empty on "
            "every choice of a question: a correct choice earns the points (multiple choice: shared, and a wrong "
            "one takes a share away)."
        ),
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        ordering = ["question", "order", "pk"]

    def __str__(self) -> str:
        return self.text


class Assessment(models.Model):
    """A quiz of a module or the final assessment of a course.

    Required assessments count in the course's completion rule for the enrolments whose
    release was published after the assessment was (``published_at``): like lessons, a new
    required assessment binds only enrolments that start on a later release.
    """

    class FeedbackPolicy(models.TextChoices):
        AFTER_SUBMISSION = "after_submission", _("After each submission")
        AFTER_CLOSE = "after_close", _("After the assessment closes")
        NEVER = "never", _("Never")

    course = models.ForeignKey(
        "courses.Course", verbose_name=_("course"), on_delete=models.PROTECT, related_name="assessments"
    )
    module = models.ForeignKey(
        "courses.Module",
        verbose_name=_("module"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessments",
        help_text=_("Empty for the course's final assessment."),
    )
    bank = models.ForeignKey(
        QuestionBank, verbose_name=_("question bank"), on_delete=models.PROTECT, related_name="assessments"
    )
    title = models.CharField(_("title"), max_length=200)
    instructions = models.TextField(_("instructions"), blank=True)
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (%)"), default=70)
    time_limit_minutes = models.PositiveIntegerField(_("time limit (minutes)"), null=True, blank=True)
    max_attempts = models.PositiveSmallIntegerField(
        _("maximum attempts"), null=True, blank=True, help_text=_("Empty for no limit.")
    )
    cooldown_minutes = models.PositiveIntegerField(_("wait between attempts (minutes)"), default=0)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    feedback_policy = models.CharField(
        _("feedback"), max_length=20, choices=FeedbackPolicy.choices, default=FeedbackPolicy.AFTER_SUBMISSION
    )
    shuffle_choices = models.BooleanField(_("shuffle choices"), default=True)
    is_required = models.BooleanField(_("required for completion"), default=True)
    is_pretest = models.BooleanField(
        _("pre-test"), default=False, help_text=_("Taken before the course to measure knowledge gain; never required.")
    )
    pretest_of = models.ForeignKey(
        "self",
        verbose_name=_("pre-test of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pretests",
        help_text=_("The post-test this pre-test is paired with."),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["course", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Pool(models.Model):
    """Draw ``count`` questions at random from the bank's questions with this tag (a
    competency code or a topic). An assessment without pools shows every live question."""

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("assessment"), on_delete=models.CASCADE, related_name="pools"
    )
    tag = models.CharField(_("tag"), max_length=100)
    count = models.PositiveSmallIntegerField(_("questions drawn"))

    class Meta:
        verbose_name = _("pool")
        verbose_name_plural = _("pools")
        constraints = [models.UniqueConstraint(fields=["assessment", "tag"], name="assessments_pool_unique")]

    def __str__(self) -> str:
        return f"{self.count} x {self.tag}"


class Attempt(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        PENDING_REVIEW = "pending_review", _("Pending review")
        GRADED = "graded", _("Graded")

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("assessment"), on_delete=models.PROTECT, related_name="attempts"
    )
    officer = models.ForeignKey(
        "organisations.Officer", verbose_name=_("officer"), on_delete=models.PROTECT, related_name="attempts"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    started_at = models.DateTimeField(_("started at"))
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    snapshot = models.JSONField(
        _("questions as shown"),
        default=list,
        help_text=_("Questions, choices and the answer key as they were when the attempt started."),
    )
    score = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    is_passed = models.BooleanField(_("passed"), null=True, blank=True)
    graded_at = models.DateTimeField(_("graded at"), null=True, blank=True)

    # Not a column: set by ``services.attempt_start`` on the attempt it returns (True when it
    # began it, False for the one already open). Absent on attempts fetched otherwise.
    is_new: bool

    class Meta:
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        ordering = ["assessment", "officer", "number"]
        constraints = [
            # Racing starts cannot exceed the limit or open two attempts at once.
            models.UniqueConstraint(
                fields=["assessment", "officer", "number"], name="assessments_attempt_number_unique"
            ),
            models.UniqueConstraint(
                fields=["assessment", "officer"],
                condition=Q(status="in_progress"),
                name="assessments_attempt_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id} attempt {self.number} by {self.officer_id}"


class Answer(models.Model):
    """A response to one question of an attempt (keyed by the question's id in the snapshot)."""

    attempt = models.ForeignKey(Attempt, verbose_name=_("attempt"), on_delete=models.CASCADE, related_name="answers")
    question_id = models.PositiveBigIntegerField(_("question"))
    response = models.JSONField(_("response"), default=dict, help_text=_('{"choices": [ids]} or {"text": "..."}'))
    points = models.DecimalField(_("points awarded"), max_digits=6, decimal_places=2, null=True, blank=True)
    is_correct = models.BooleanField(_("correct"), null=True, blank=True)
    needs_review = models.BooleanField(_("awaiting a grader"), default=False)
    comment = models.TextField(_("grader's comment"), blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("graded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    saved_at = models.DateTimeField(_("saved at"), auto_now=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["attempt", "pk"]
        constraints = [models.UniqueConstraint(fields=["attempt", "question_id"], name="assessments_answer_unique")]

    def __str__(self) -> str:
        return f"answer to {self.question_id} in attempt {self.attempt_id}"


class Allowance(models.Model):
    """An exception a trainer grants one officer on one assessment, with a reason: extra
    attempts, extra minutes per attempt, or a later closing time."""

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("assessment"), on_delete=models.CASCADE, related_name="allowances"
    )
    officer = models.ForeignKey(
        "organisations.Officer", verbose_name=_("officer"), on_delete=models.PROTECT, related_name="allowances"
    )
    extra_attempts = models.PositiveSmallIntegerField(_("extra attempts"), default=0)
    extra_minutes = models.PositiveIntegerField(_("extra minutes"), default=0)
    closes_at = models.DateTimeField(_("closes at instead"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("granted by"), on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("allowance")
        verbose_name_plural = _("allowances")
        ordering = ["assessment", "officer", "pk"]

    def __str__(self) -> str:
        return f"{self.officer_id} on {self.assessment_id}: {self.reason[:40]}"
