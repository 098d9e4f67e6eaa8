"""Thin API views over assessments: parse input, call one service or selector, shape output.

Something the caller cannot see is a 404; something seen but not allowed a 403. A
trainee never receives the answer key before the feedback policy allows it: every
question goes out through ``selectors.question_for_display``.
"""

from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import permissions, selectors, services
from assessments.importers import bank_csv, gift
from assessments.models import Answer, Assessment, Attempt, Question
from courses import selectors as course_selectors
from lms.api import INTEGER_MAX, SMALLINT_MAX, ObjectIdField, object_id_query_parameter
from organisations.models import Officer
from organisations.permissions import AuthenticatedRequest, IsTrainer

# Plain text rather than an enum: "kind" names other choice sets elsewhere in the schema.
QUESTION_KINDS_HELP = "One of: " + ", ".join(Question.Kind.values) + "."


# Serializers (output) ---------------------------------------------------------------------


class AssessmentSerializer(serializers.ModelSerializer[Assessment]):
    class Meta:
        model = Assessment
        fields = [
            "id",
            "course",
            "module",
            "title",
            "instructions",
            "pass_mark",
            "time_limit_minutes",
            "max_attempts",
            "cooldown_minutes",
            "closes_at",
            "feedback_policy",
            "shuffle_choices",
            "is_required",
            "is_pretest",
            "published_at",
        ]


class ShownChoiceSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    text = serializers.CharField()


class ShownScenarioSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    title = serializers.CharField()
    text = serializers.CharField()


class ShownQuestionSerializer(serializers.Serializer[Any]):
    """A question as a trainee sees it while answering: no answer key."""

    id = serializers.IntegerField()
    kind = serializers.CharField(help_text=QUESTION_KINDS_HELP)
    text = serializers.CharField()
    points = serializers.DecimalField(max_digits=5, decimal_places=2)
    scenario = ShownScenarioSerializer(allow_null=True)
    choices = ShownChoiceSerializer(many=True)


class AttemptStartedSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    status = serializers.CharField()
    started_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField(allow_null=True)
    questions = ShownQuestionSerializer(many=True)


class ResultSerializer(serializers.Serializer[Any]):
    score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True, help_text="Percent, 0-100.")
    passed = serializers.BooleanField(allow_null=True, source="is_passed")
    status = serializers.CharField()


class KeyedChoiceSerializer(ShownChoiceSerializer):
    correct = serializers.BooleanField(required=False, help_text="Only once feedback is visible.")
    weight = serializers.CharField(
        required=False, help_text="The choice's credit in percent, where the question gives credits per choice."
    )


class PartialAnswerSerializer(serializers.Serializer[Any]):
    answer = serializers.CharField()
    tolerance = serializers.CharField()
    weight = serializers.CharField(help_text="Percent of the points.")


class ReviewedQuestionSerializer(ShownQuestionSerializer):
    """A question of the attempt detail: the key, explanation and grade only when feedback is visible."""

    choices = KeyedChoiceSerializer(many=True)
    numeric_answer = serializers.CharField(required=False, allow_null=True)
    numeric_tolerance = serializers.CharField(required=False)
    numeric_partial_answers = PartialAnswerSerializer(many=True, required=False)
    accepted_answers = serializers.ListField(child=serializers.CharField(), required=False)
    explanation = serializers.CharField(required=False)
    response = serializers.JSONField(
        allow_null=True, required=False, help_text="For the attempt's owner, and readers of the key."
    )
    awarded = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True, required=False)
    is_answer_correct = serializers.BooleanField(allow_null=True, required=False)
    comment = serializers.CharField(required=False)


class AttemptDetailSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    assessment = serializers.IntegerField()
    officer = serializers.IntegerField()
    number = serializers.IntegerField()
    status = serializers.CharField()
    started_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    passed = serializers.BooleanField(allow_null=True)
    is_feedback_visible = serializers.BooleanField()
    questions = ReviewedQuestionSerializer(many=True)


def _started(attempt: Attempt) -> dict[str, Any]:
    return {
        "id": attempt.pk,
        "number": attempt.number,
        "status": attempt.status,
        "started_at": attempt.started_at,
        "deadline": attempt.deadline,
        "questions": [selectors.question_for_display(q, with_key=False) for q in attempt.snapshot],
    }


def _detail(request: AuthenticatedRequest, attempt: Attempt) -> dict[str, Any]:
    is_own = permissions.is_own_attempt(user=request.user, attempt=attempt)
    with_key = permissions.answer_key_visible(user=request.user, assessment=attempt.assessment, attempt=attempt)
    # Someone else's answers without the key would give it away (a full-marks attempt's
    # answers are the key): only the owner, or a reader of the key, sees them.
    with_answers = is_own or with_key
    answers = selectors.attempt_answers(attempt) if with_answers else {}
    questions = []
    for question in attempt.snapshot:
        shown = selectors.question_for_display(question, with_key=with_key)
        answer = answers.get(question["id"])
        if with_answers:
            shown["response"] = answer.response if answer else None
        if with_key and attempt.status != Attempt.Status.IN_PROGRESS:
            shown["awarded"] = None if answer is None or answer.points is None else str(answer.points)
            shown["is_answer_correct"] = answer.is_correct if answer else False
        if answer is not None and answer.comment and attempt.status == Attempt.Status.GRADED:
            shown["comment"] = answer.comment
        questions.append(shown)
    return {
        "id": attempt.pk,
        "assessment": attempt.assessment_id,
        "officer": attempt.officer_id,
        "number": attempt.number,
        "status": attempt.status,
        "started_at": attempt.started_at,
        "deadline": attempt.deadline,
        "submitted_at": attempt.submitted_at,
        # A decimal string, as the serializers give it everywhere else (JSON would give a float).
        "score": None if attempt.score is None else f"{attempt.score:.2f}",
        "passed": attempt.is_passed,
        "is_feedback_visible": with_key,
        "questions": questions,
    }


# Views ------------------------------------------------------------------------------------


class AssessmentListApi(ListAPIView[Assessment]):
    """Assessments the caller may see, a page at a time; a course's author (or an admin)
    creates one."""

    serializer_class = AssessmentSerializer

    @extend_schema_serializer(component_name="AssessmentCreateInput")
    class InputSerializer(serializers.Serializer[Any]):
        course = ObjectIdField()
        title = serializers.CharField(max_length=200)
        module = ObjectIdField(required=False, allow_null=True, default=None)
        instructions = serializers.CharField(required=False, allow_blank=True, default="")
        pass_mark = serializers.IntegerField(min_value=0, max_value=100, default=70)
        max_attempts = serializers.IntegerField(
            min_value=1, max_value=SMALLINT_MAX, required=False, allow_null=True, default=None
        )
        time_limit_minutes = serializers.IntegerField(
            min_value=1, max_value=INTEGER_MAX, required=False, allow_null=True, default=None
        )
        cooldown_minutes = serializers.IntegerField(min_value=0, max_value=INTEGER_MAX, default=0)
        closes_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
        feedback_policy = serializers.ChoiceField(
            choices=Assessment.FeedbackPolicy.choices, default=Assessment.FeedbackPolicy.AFTER_SUBMISSION
        )
        shuffle_choices = serializers.BooleanField(default=True)
        is_required = serializers.BooleanField(required=False, allow_null=True, default=None)
        is_pretest = serializers.BooleanField(default=False)

    def get_permissions(self):
        # Only trainers and admins can be course authors: refuse anyone else before
        # reading the body, as the course list does.
        if self.request.method == "POST":
            return [IsTrainer()]
        return [IsAuthenticated()]

    @extend_schema(parameters=[OpenApiParameter("course", int, description="Only this course's assessments.")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    request: AuthenticatedRequest  # signed in: IsAuthenticated or IsTrainer

    def get_queryset(self) -> QuerySet[Assessment]:
        course_id = object_id_query_parameter(self.request, "course", _("A course id is a whole number."))
        return selectors.assessment_list(user=self.request.user, course_id=course_id)

    @extend_schema(request=InputSerializer, responses={201: AssessmentSerializer})
    def post(self, request: AuthenticatedRequest) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        course = course_selectors.course_get(user=request.user, course_id=values.pop("course"))
        if course is None:
            raise ValidationError({"course": ["No such course."]})
        module_id = values.pop("module")
        module = None
        if module_id is not None:
            module = course.modules.filter(pk=module_id).first()
            if module is None:
                raise ValidationError({"module": ["No such module in this course."]})
        assessment = services.assessment_create(course=course, module=module, actor=request.user, **values)
        return Response(AssessmentSerializer(assessment).data, status=status.HTTP_201_CREATED)


class AssessmentDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: AssessmentSerializer})
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        return Response(AssessmentSerializer(permissions.access_assessment(user=request.user, assessment_id=pk)).data)


class CreditField(serializers.DecimalField):
    """A choice's or a numeric answer's credit: percent of the question's points."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "Percent of the question's points (Moodle's answer grade), -100 to 100.")
        super().__init__(max_digits=8, decimal_places=5, min_value=-100, max_value=100, **kwargs)


@extend_schema_serializer(component_name="AssessmentPartialAnswerInput")
class PartialAnswerInputSerializer(serializers.Serializer[Any]):
    """A numeric range earning part of the points, checked in order after the answer."""

    answer = serializers.DecimalField(max_digits=14, decimal_places=4)
    tolerance = serializers.DecimalField(max_digits=14, decimal_places=4, min_value=0, default=Decimal(0))
    weight = CreditField()


class QuestionCreateApi(APIView):
    """Add a question to the assessment's bank (authors and admins)."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="AssessmentChoiceInput")
    class ChoiceInputSerializer(serializers.Serializer[Any]):
        text = serializers.CharField(max_length=500)
        correct = serializers.BooleanField(default=False)
        weight = CreditField(required=False, allow_null=True)

    @extend_schema_serializer(component_name="AssessmentQuestionInput")
    class InputSerializer(serializers.Serializer[Any]):
        kind = serializers.CharField(help_text=QUESTION_KINDS_HELP)
        text = serializers.CharField()
        points = serializers.DecimalField(max_digits=5, decimal_places=2, default=Decimal(1))
        choices = serializers.ListField(child=serializers.DictField(), default=list)
        explanation = serializers.CharField(required=False, allow_blank=True, default="")
        competency = serializers.CharField(required=False, allow_blank=True, default="")
        topic = serializers.CharField(required=False, allow_blank=True, default="")
        numeric_answer = serializers.DecimalField(
            max_digits=14, decimal_places=4, required=False, allow_null=True, default=None
        )
        numeric_tolerance = serializers.DecimalField(max_digits=14, decimal_places=4, default=Decimal(0))
        numeric_partial_answers = PartialAnswerInputSerializer(many=True, default=list)
        accepted_answers = serializers.ListField(child=serializers.CharField(), default=list)
        scenario = ObjectIdField(required=False, allow_null=True, default=None)

        def validate_choices(self, value):
            serializer = QuestionCreateApi.ChoiceInputSerializer(data=value, many=True)
            serializer.is_valid(raise_exception=True)
            return serializer.validated_data

    @extend_schema_serializer(component_name="AssessmentQuestionCreated")
    class OutputSerializer(serializers.Serializer[Any]):
        id = serializers.IntegerField()
        kind = serializers.CharField()
        text = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        assessment = permissions.access_assessment_for_edit(user=request.user, assessment_id=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        scenario_id = values.pop("scenario")
        scenario = None
        if scenario_id is not None:
            scenario = assessment.bank.scenarios.filter(pk=scenario_id).first()
            if scenario is None:
                raise ValidationError({"scenario": ["No such scenario in this bank."]})
        question = services.question_create(bank=assessment.bank, actor=request.user, scenario=scenario, **values)
        return Response(self.OutputSerializer(question).data, status=status.HTTP_201_CREATED)


class AssessmentPublishApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: AssessmentSerializer})
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        assessment = permissions.access_assessment_for_edit(user=request.user, assessment_id=pk)
        assessment = services.assessment_publish(assessment=assessment, actor=request.user)
        return Response(AssessmentSerializer(assessment).data)


class AttemptStartApi(APIView):
    """Start an attempt (201), or get back the one already open (200). No answer key."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={201: AttemptStartedSerializer, 200: AttemptStartedSerializer})
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        assessment = permissions.access_assessment(user=request.user, assessment_id=pk)
        attempt = services.attempt_start(assessment=assessment, user=request.user)
        return Response(
            AttemptStartedSerializer(_started(attempt)).data,
            status=status.HTTP_201_CREATED if attempt.is_new else status.HTTP_200_OK,
        )


def _response_of(data: dict[str, Any]) -> dict[str, Any]:
    if "choices" in data and data["choices"] is not None:
        return {"choices": data["choices"]}
    return {"text": data.get("text", "")}


class AnswerSaveApi(APIView):
    """Save one response as you go (the owner, while the attempt is open)."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="AssessmentAnswerInput")
    class InputSerializer(serializers.Serializer[Any]):
        choices = serializers.ListField(child=serializers.IntegerField(), required=False)
        text = serializers.CharField(required=False, allow_blank=True, max_length=20_000)

    @extend_schema_serializer(component_name="AssessmentAnswerSaved")
    class OutputSerializer(serializers.Serializer[Any]):
        question = serializers.IntegerField(source="question_id")
        response = serializers.JSONField()
        saved_at = serializers.DateTimeField()

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer})
    def put(self, request: AuthenticatedRequest, pk: int, question_id: int) -> Response:
        attempt = permissions.access_own_attempt(user=request.user, attempt_id=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answer = services.answer_save(
            attempt=attempt,
            user=request.user,
            question_id=question_id,
            response=_response_of(data.validated_data),
        )
        return Response(self.OutputSerializer(answer).data)


class AttemptSubmitApi(APIView):
    """Submit (with any last answers) and get the result; a second submit returns the first."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="AssessmentSubmittedAnswer")
    class AnswerInputSerializer(serializers.Serializer[Any]):
        question = serializers.IntegerField()
        choices = serializers.ListField(child=serializers.IntegerField(), required=False)
        text = serializers.CharField(required=False, allow_blank=True, max_length=20_000)

    @extend_schema_serializer(component_name="AssessmentSubmitInput")
    class InputSerializer(serializers.Serializer[Any]):
        answers = serializers.ListField(child=serializers.DictField(), default=list, max_length=1000)

        def validate_answers(self, value):
            serializer = AttemptSubmitApi.AnswerInputSerializer(data=value, many=True)
            serializer.is_valid(raise_exception=True)
            return serializer.validated_data

    @extend_schema(request=InputSerializer, responses={200: ResultSerializer})
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        attempt = permissions.access_own_attempt(user=request.user, attempt_id=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answers = [(item["question"], _response_of(item)) for item in data.validated_data["answers"]]
        attempt = services.attempt_submit(attempt=attempt, user=request.user, answers=answers)
        return Response(ResultSerializer(attempt).data)


class AttemptDetailApi(APIView):
    """The owner's or a scoped trainer's view of an attempt; the key only when feedback is visible."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: AttemptDetailSerializer})
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        attempt = permissions.access_attempt(user=request.user, attempt_id=pk)
        # Not through the serializer: it would fill the key's absent fields with nulls, and
        # a trainee's body must not even name them before feedback is visible.
        return Response(_detail(request, attempt))


class AnswerGradeApi(APIView):
    """A trainer in scope grades an essay."""

    permission_classes = [IsTrainer]

    @extend_schema_serializer(component_name="AssessmentGradeInput")
    class InputSerializer(serializers.Serializer[Any]):
        points = serializers.DecimalField(max_digits=6, decimal_places=2)
        comment = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses={200: ResultSerializer})
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        answer = selectors.answer_for_grading_get(user=request.user, answer_id=pk)
        if answer is None:
            raise Http404
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attempt = services.answer_grade(answer=answer, actor=request.user, **data.validated_data)
        return Response(ResultSerializer(attempt).data)


class GradingQueueApi(ListAPIView[Answer]):
    """Essays awaiting a grader within the trainer's scope, oldest submission first, a page
    at a time."""

    permission_classes = [IsTrainer]

    @extend_schema_serializer(component_name="AssessmentQueueItem")
    class OutputSerializer(serializers.Serializer[Any]):
        id = serializers.IntegerField()
        attempt = serializers.IntegerField(source="attempt_id")
        assessment = serializers.CharField(source="attempt.assessment.title")
        officer = serializers.IntegerField(source="attempt.officer_id")
        question = serializers.IntegerField(source="question_id")
        response = serializers.JSONField()
        submitted_at = serializers.DateTimeField(source="attempt.submitted_at")

    serializer_class = OutputSerializer

    request: AuthenticatedRequest  # signed in: IsTrainer

    def get_queryset(self) -> QuerySet[Answer]:
        return selectors.grading_queue(user=self.request.user)


class AllowanceCreateApi(APIView):
    """A trainer in scope grants an officer an exception, with a reason."""

    permission_classes = [IsTrainer]

    @extend_schema_serializer(component_name="AssessmentAllowanceInput")
    class InputSerializer(serializers.Serializer[Any]):
        officer = ObjectIdField()
        reason = serializers.CharField()
        extra_attempts = serializers.IntegerField(min_value=0, max_value=SMALLINT_MAX, default=0)
        extra_minutes = serializers.IntegerField(min_value=0, max_value=INTEGER_MAX, default=0)
        closes_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    @extend_schema_serializer(component_name="AssessmentAllowance")
    class OutputSerializer(serializers.Serializer[Any]):
        id = serializers.IntegerField()
        officer = serializers.IntegerField(source="officer_id")
        extra_attempts = serializers.IntegerField()
        extra_minutes = serializers.IntegerField()
        closes_at = serializers.DateTimeField(allow_null=True)
        reason = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        assessment = permissions.access_assessment(user=request.user, assessment_id=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        officer = Officer.objects.select_related("unit").filter(pk=values.pop("officer")).first()
        if officer is None or not permissions.trainer_covers(user=request.user, officer=officer):
            raise ValidationError({"officer": ["No such officer within your scope."]})
        allowance = services.allowance_grant(assessment=assessment, officer=officer, actor=request.user, **values)
        return Response(self.OutputSerializer(allowance).data, status=status.HTTP_201_CREATED)


# Authoring: pools, corrections, archiving, import and export -------------------------------

IMPORT_MAX_BYTES = settings.QUESTION_IMPORT_MAX_BYTES  # the request as a whole: lms/request_body.py
IMPORT_FORMATS_BY_SUFFIX = {".gift": "gift", ".txt": "gift", ".csv": "csv"}


@extend_schema_serializer(component_name="AssessmentPool")
class PoolSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    tag = serializers.CharField(max_length=100, help_text="A competency code or a topic of the bank's questions.")
    count = serializers.IntegerField(min_value=1, max_value=1000, help_text="Questions drawn for each attempt.")


class PoolListApi(APIView):
    """An assessment's pools (authors and admins): each attempt draws ``count`` random live
    questions per tag; without pools it shows every live question."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: PoolSerializer(many=True)})
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        assessment = permissions.access_assessment_for_edit(user=request.user, assessment_id=pk)
        return Response(PoolSerializer(assessment.pools.order_by("pk"), many=True).data)

    @extend_schema(request=PoolSerializer, responses={201: PoolSerializer})
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        assessment = permissions.access_assessment_for_edit(user=request.user, assessment_id=pk)
        data = PoolSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pool = services.pool_set(assessment=assessment, actor=request.user, **data.validated_data)
        return Response(PoolSerializer(pool).data, status=status.HTTP_201_CREATED)


class PoolDeleteApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={204: None})
    def delete(self, request: AuthenticatedRequest, pk: int, pool_id: int) -> Response:
        assessment = permissions.access_assessment_for_edit(user=request.user, assessment_id=pk)
        pool = assessment.pools.filter(pk=pool_id).select_related("assessment__course").first()
        if pool is None:
            raise Http404
        services.pool_delete(pool=pool, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class QuestionCorrectApi(APIView):
    """Correct a question's answer key (authors and admins); with ``"regrade": true`` every
    attempt that showed it is graded again, and ``regraded`` says how many results changed."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="AssessmentChoiceKeyInput")
    class ChoiceKeySerializer(serializers.Serializer[Any]):
        id = serializers.IntegerField()
        correct = serializers.BooleanField(required=False)
        weight = CreditField(required=False, allow_null=True)

    @extend_schema_serializer(component_name="AssessmentQuestionCorrectInput")
    class InputSerializer(serializers.Serializer[Any]):
        choices = serializers.ListField(child=serializers.DictField(), required=False, max_length=100)
        numeric_answer = serializers.DecimalField(max_digits=14, decimal_places=4, required=False, allow_null=True)
        numeric_tolerance = serializers.DecimalField(max_digits=14, decimal_places=4, min_value=0, required=False)
        numeric_partial_answers = PartialAnswerInputSerializer(many=True, required=False)
        accepted_answers = serializers.ListField(child=serializers.CharField(), required=False, max_length=100)
        points = serializers.DecimalField(max_digits=5, decimal_places=2, required=False)
        explanation = serializers.CharField(required=False, allow_blank=True)
        regrade = serializers.BooleanField(default=False)

        def validate_choices(self, value):
            serializer = QuestionCorrectApi.ChoiceKeySerializer(data=value, many=True)
            serializer.is_valid(raise_exception=True)
            return serializer.validated_data

    @extend_schema_serializer(component_name="AssessmentQuestionCorrected")
    class OutputSerializer(serializers.Serializer[Any]):
        id = serializers.IntegerField()
        regraded = serializers.IntegerField(help_text="Attempts whose result changed.")

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer})
    def patch(self, request: AuthenticatedRequest, pk: int) -> Response:
        question = permissions.access_question_for_edit(user=request.user, question_id=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        regrade = changes.pop("regrade")
        if "choices" in changes:
            own = {choice.pk: choice.is_correct for choice in question.choices.all()}
            unknown = [item["id"] for item in changes["choices"] if item["id"] not in own]
            if unknown:
                raise ValidationError({"choices": [f"Not choices of this question: {unknown}."]})
            items = changes.pop("choices")
            if any("correct" in item for item in items):
                own.update({item["id"]: item["correct"] for item in items if "correct" in item})
                changes["correct_choices"] = [choice_id for choice_id, correct in own.items() if correct]
            if any("weight" in item for item in items):
                changes["choice_weights"] = {item["id"]: item["weight"] for item in items if "weight" in item}
        question = services.question_correct(question=question, actor=request.user, **changes)
        regraded = services.attempts_regrade(question=question, actor=request.user) if regrade else 0
        return Response({"id": question.pk, "regraded": regraded})


class QuestionArchiveApi(APIView):
    """Archive a question: never drawn again; past attempts keep it."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="AssessmentQuestionArchived")
    class OutputSerializer(serializers.Serializer[Any]):
        id = serializers.IntegerField()
        is_archived = serializers.BooleanField()

    @extend_schema(request=None, responses={200: OutputSerializer})
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        question = permissions.access_question_for_edit(user=request.user, question_id=pk)
        question = services.question_archive(question=question, actor=request.user)
        return Response(self.OutputSerializer(question).data)


def _import_parse(upload, file_format: str) -> list[dict]:
    """The question dicts of an uploaded file, or a 400 listing every problem."""
    if upload.size > IMPORT_MAX_BYTES:
        raise ValidationError({"file": [f"The file is larger than {IMPORT_MAX_BYTES // (1024 * 1024)} MB."]})
    data = upload.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError({"file": ["The file is not UTF-8 text."]}) from error
    unit = "line" if file_format == "gift" else "row"
    try:
        limit = settings.QUESTION_IMPORT_MAX_QUESTIONS
        if file_format == "gift":
            return gift.gift_parse(text, max_questions=limit)
        return bank_csv.bank_csv_parse(text, max_questions=limit)
    except gift.ImportProblems as error:
        messages = [f"{unit} {number}: {message}" for number, message in error.problems]
        raise ValidationError({"file": messages}) from error


class QuestionImportApi(APIView):
    """Import a GIFT or CSV file (UTF-8, at most 5 MB) into the assessment's bank, all or
    nothing; a 400 lists every problem with its line (GIFT) or row (CSV) number."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser]

    @extend_schema_serializer(component_name="AssessmentQuestionImportInput")
    class InputSerializer(serializers.Serializer[Any]):
        file = serializers.FileField()
        format = serializers.ChoiceField(
            choices=["gift", "csv"], required=False, help_text="Default: from the file name (.gift, .txt, .csv)."
        )

    @extend_schema_serializer(component_name="AssessmentQuestionsImported")
    class OutputSerializer(serializers.Serializer[Any]):
        created = serializers.IntegerField()

    @extend_schema(request={"multipart/form-data": InputSerializer}, responses={201: OutputSerializer})
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        assessment = permissions.access_assessment_for_edit(user=request.user, assessment_id=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        file_format = data.validated_data.get("format") or IMPORT_FORMATS_BY_SUFFIX.get(
            PurePath(upload.name or "").suffix.lower()
        )
        if file_format is None:
            raise ValidationError({"format": ["Cannot tell the file's format: give gift or csv."]})
        questions = _import_parse(upload, file_format)
        try:
            created = services.questions_import(bank=assessment.bank, questions=questions, actor=request.user)
        except DjangoValidationError as error:
            raise ValidationError({"file": services.questions_import_messages(error)}) from error
        return Response({"created": len(created)}, status=status.HTTP_201_CREATED)


class QuestionExportApi(APIView):
    """The bank's live questions as CSV, in the format the import reads (authors and admins)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request: AuthenticatedRequest, pk: int) -> HttpResponse:
        assessment = permissions.access_assessment_for_edit(user=request.user, assessment_id=pk)
        response = HttpResponse(bank_csv.bank_csv_export(assessment.bank), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="assessment-{assessment.pk}-questions.csv"'
        return response
