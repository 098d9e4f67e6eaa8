"""In-person sessions: scheduling, registration, attendance, practicals and paper scores.

A session the caller cannot see is a 404; one they see but do not run is a 403 for
every write. Bulk writes answer 400 with every problem at once: rows are keyed by their
index in the request, and each message names the officer.
"""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from courses import permissions, selectors, services
from courses.apis.enrollments import EnrollmentCourseSerializer
from courses.models import SessionRegistration, TrainingSession
from lms.api import INTEGER_MAX, HourMinuteField, ObjectIdField
from organisations.models import User
from organisations.permissions import AuthenticatedRequest, IsTrainer
from organisations.selectors import officers_by_ids

# Statuses and attendance are plain strings in the output, their values listed in the
# description: as enums they would collide with the course and enrolment statuses.


class SessionUnitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class SessionTrainerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.get_username()


class SessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    course = EnrollmentCourseSerializer()
    date = serializers.DateField()
    start_time = HourMinuteField(help_text="Local time at the place.")
    end_time = HourMinuteField(allow_null=True)
    place = serializers.CharField()
    unit = SessionUnitSerializer(help_text="The host unit.")
    capacity = serializers.IntegerField()
    registered = serializers.IntegerField(source="registered_count")
    trainer = SessionTrainerSerializer()
    paper_test_max_score = serializers.IntegerField(allow_null=True)
    status = serializers.ChoiceField(choices=TrainingSession.Status.choices)
    own_attendance = serializers.ChoiceField(
        choices=SessionRegistration.Attendance.choices,
        allow_null=True,
        help_text="The attendance of the caller's own registration, if any.",
    )


def _session_output(request: AuthenticatedRequest, session: TrainingSession) -> dict:
    """The session as ``SessionSerializer`` shapes it, read again with its counts."""
    return SessionSerializer(selectors.session_get(user=request.user, session_id=session.pk)).data


def _rows_error(error: DjangoValidationError, *, field: str, row_of) -> ValidationError:
    """A service's bulk ``ValidationError`` (keyed by officer id or entry index) as a 400 body:
    ``{field: {"<row>": {"non_field_errors": [...]}}}``, other keys as they are."""
    if not hasattr(error, "error_dict"):
        return ValidationError({"non_field_errors": error.messages})
    body: dict = {}
    for key, messages in error.message_dict.items():
        if isinstance(key, int):
            body.setdefault(field, {})[str(row_of(key))] = {"non_field_errors": messages}
        else:
            body["non_field_errors" if key == NON_FIELD_ERRORS else key] = messages
    return ValidationError(body)


def _officer_rows(rows: list[dict], field: str) -> dict[int, int]:
    """Officer id -> row index; an officer listed twice is a 400 at the second row."""
    index: dict[int, int] = {}
    duplicates = {}
    for row, values in enumerate(rows):
        officer_id = values["officer"]
        if officer_id in index:
            duplicates[str(row)] = {"officer": [f"Officer {officer_id} is listed twice."]}
        index.setdefault(officer_id, row)
    if duplicates:
        raise ValidationError({field: duplicates})
    return index


@extend_schema_serializer(component_name="SessionCreateInput")
class SessionInputSerializer(serializers.Serializer):
    course = ObjectIdField(help_text="A published course.")
    unit = ObjectIdField(help_text="The host unit, within your trainer scope.")
    date = serializers.DateField()
    start_time = serializers.TimeField(help_text="Local time at the place.")
    end_time = serializers.TimeField(required=False, allow_null=True, default=None)
    place = serializers.CharField(max_length=200)
    capacity = serializers.IntegerField(min_value=1, max_value=INTEGER_MAX)
    trainer = ObjectIdField(required=False, help_text="A trainer covering the unit; default: you.")
    paper_test_max_score = serializers.IntegerField(
        min_value=1, max_value=1000, required=False, allow_null=True, default=None
    )


def _session_references(request: AuthenticatedRequest, values: dict) -> dict:
    """Replace the ids in validated input by rows: course (visible), unit (in the caller's
    trainer scope), trainer (an active user); unknown ones are 400s by field."""
    errors: dict[str, list[str]] = {}
    if "course" in values:
        values["course"] = selectors.course_get(user=request.user, course_id=values["course"])
        if values["course"] is None:
            errors["course"] = ["Unknown course."]
    if "unit" in values:
        values["unit"] = selectors.units_for_enrollment(user=request.user).filter(pk=values["unit"]).first()
        if values["unit"] is None:
            errors["unit"] = ["Unknown unit, or outside your trainer scope."]
    if "trainer" in values:
        values["trainer"] = User.objects.filter(pk=values["trainer"], is_active=True).first()
        if values["trainer"] is None:
            errors["trainer"] = ["Unknown trainer."]
    if errors:
        raise ValidationError(errors)
    return values


@extend_schema(
    parameters=[
        OpenApiParameter("course", int, description="Only sessions of this course."),
        OpenApiParameter("upcoming", bool, description="true: from today on; false: before today."),
    ]
)
class SessionListApi(ListAPIView):
    """In-person sessions the caller may see: hosted in a trainer's or leader's scope; a
    trainee's own and those of courses they are enrolled in. A trainer schedules one."""

    request: AuthenticatedRequest  # every method needs a signed-in account (the permissions below)
    serializer_class = SessionSerializer

    class FilterSerializer(serializers.Serializer):
        course = ObjectIdField(required=False)
        upcoming = serializers.BooleanField(required=False, allow_null=True, default=None)

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsTrainer()]
        return [IsAuthenticated()]

    def get_queryset(self):
        filters = self.FilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.session_list(
            user=self.request.user,
            course_id=filters.validated_data.get("course"),
            upcoming=filters.validated_data.get("upcoming"),
        )

    @extend_schema(request=SessionInputSerializer, responses={201: SessionSerializer})
    def post(self, request: AuthenticatedRequest):
        data = SessionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = _session_references(request, dict(data.validated_data))
        session = services.session_create(actor=request.user, **values)
        return Response(_session_output(request, session), status=status.HTTP_201_CREATED)


class SessionDetailApi(APIView):
    """One session; its trainers (scope covering the host unit) and admins change it."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="SessionUpdateInput")
    class InputSerializer(SessionInputSerializer):
        course = None  # type: ignore[assignment]  # None removes the inherited field (DRF serializers)

    @extend_schema(responses=SessionSerializer)
    def get(self, request: AuthenticatedRequest, pk: int):
        return Response(SessionSerializer(permissions.access_session(user=request.user, session_id=pk)).data)

    @extend_schema(request=InputSerializer, responses=SessionSerializer)
    def patch(self, request: AuthenticatedRequest, pk: int):
        session = permissions.access_session_to_manage(user=request.user, session_id=pk)
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = _session_references(request, dict(data.validated_data))
        services.session_update(session=session, actor=request.user, **values)
        return Response(_session_output(request, session))


class SessionCancelApi(APIView):
    """Cancel a scheduled session; registered officers are told."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="SessionCancelInput")
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)

    @extend_schema(request=InputSerializer, responses=SessionSerializer)
    def post(self, request: AuthenticatedRequest, pk: int):
        session = permissions.access_session_to_manage(user=request.user, session_id=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.session_cancel(session=session, actor=request.user, reason=data.validated_data["reason"])
        return Response(_session_output(request, session))


class SessionOfficerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="full_name")
    service_number = serializers.CharField()
    unit = SessionUnitSerializer()


@extend_schema_serializer(component_name="SessionPracticalResult")
class PracticalResultSerializer(serializers.Serializer):
    skill = serializers.CharField()
    passed = serializers.BooleanField(source="is_passed")
    comment = serializers.CharField()


class SessionRegistrationSerializer(serializers.Serializer):
    officer = SessionOfficerSerializer()
    attendance = serializers.ChoiceField(choices=SessionRegistration.Attendance.choices)
    paper_score = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    practicals = PracticalResultSerializer(many=True)


class SessionRegistrationsApi(APIView):
    """Who is registered for a session, with attendance and results (staff whose scope covers
    the host unit); its trainers register ``officers`` by id or every active officer of a
    ``unit``'s subtree, all or nobody when places run short."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="SessionRegisterInput")
    class InputSerializer(serializers.Serializer):
        unit = ObjectIdField(required=False, help_text="Register every active officer of this subtree.")
        officers = serializers.ListField(child=ObjectIdField(), required=False, allow_empty=False, max_length=1000)

        def validate(self, attrs):
            if ("unit" in attrs) == ("officers" in attrs):
                raise serializers.ValidationError("Send either unit or officers.")
            return attrs

    @extend_schema_serializer(component_name="SessionRegistered")
    class OutputSerializer(serializers.Serializer):
        registered = serializers.IntegerField()

    @extend_schema(responses=SessionRegistrationSerializer(many=True))
    def get(self, request: AuthenticatedRequest, pk: int):
        session = permissions.access_session(user=request.user, session_id=pk)
        if not selectors.session_roster_is_visible(user=request.user, session=session):
            raise PermissionDenied
        registrations = selectors.session_registrations(session=session)
        return Response(SessionRegistrationSerializer(registrations, many=True).data)

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request: AuthenticatedRequest, pk: int):
        session = permissions.access_session_to_manage(user=request.user, session_id=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if "unit" in values:
            unit = selectors.units_for_enrollment(user=request.user).filter(pk=values["unit"]).first()
            if unit is None:
                raise ValidationError({"unit": ["Unknown unit, or outside your trainer scope."]})
            registered = services.session_register_unit(session=session, unit=unit, actor=request.user)
        else:
            officers = officers_by_ids(officer_ids=values["officers"])
            registered = services.session_register(session=session, officers=officers, actor=request.user)
        return Response(self.OutputSerializer({"registered": registered}).data)


@extend_schema_serializer(component_name="SessionRecorded")
class SessionRecordedSerializer(serializers.Serializer):
    changed = serializers.IntegerField(help_text="Rows whose value changed.")
    status = serializers.ChoiceField(choices=TrainingSession.Status.choices)


def _recorded(session: TrainingSession, changed: int) -> Response:
    session.refresh_from_db(fields=["status"])
    return Response(SessionRecordedSerializer({"changed": changed, "status": session.status}).data)


@extend_schema_serializer(component_name="AttendanceMark")
class AttendanceMarkSerializer(serializers.Serializer):
    officer = ObjectIdField()
    attendance = serializers.ChoiceField(choices=services.RECORDED_ATTENDANCE)


class SessionAttendanceApi(APIView):
    """Record attendance at a session that has begun, all or nothing; the session becomes held
    and attendance may complete officers' courses."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="AttendanceInput")
    class InputSerializer(serializers.Serializer):
        marks = serializers.ListField(child=AttendanceMarkSerializer(), allow_empty=False, max_length=1000)

    @extend_schema(request=InputSerializer, responses=SessionRecordedSerializer)
    def post(self, request: AuthenticatedRequest, pk: int):
        session = permissions.access_session_to_manage(user=request.user, session_id=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rows = data.validated_data["marks"]
        row_of = _officer_rows(rows, "marks")
        try:
            changed = services.attendance_record(
                session=session, marks={row["officer"]: row["attendance"] for row in rows}, actor=request.user
            )
        except DjangoValidationError as error:
            raise _rows_error(error, field="marks", row_of=row_of.__getitem__) from error
        return _recorded(session, changed)


@extend_schema_serializer(component_name="PracticalEntry")
class PracticalEntrySerializer(serializers.Serializer):
    officer = ObjectIdField()
    skill = serializers.CharField(max_length=100)
    passed = serializers.BooleanField(allow_null=True, help_text="null removes a recorded result.")
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class SessionPracticalsApi(APIView):
    """Record observed skills (pass or fail, with a comment) for officers at a session, all or nothing."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="PracticalsInput")
    class InputSerializer(serializers.Serializer):
        results = serializers.ListField(child=PracticalEntrySerializer(), allow_empty=False, max_length=5000)

    @extend_schema(request=InputSerializer, responses=SessionRecordedSerializer)
    def post(self, request: AuthenticatedRequest, pk: int):
        session = permissions.access_session_to_manage(user=request.user, session_id=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entries = [
            services.PracticalEntry(row["officer"], row["skill"], row["passed"], row["comment"])
            for row in data.validated_data["results"]
        ]
        try:
            changed = services.practicals_record(session=session, results=entries, actor=request.user)
        except DjangoValidationError as error:
            raise _rows_error(error, field="results", row_of=lambda index: index) from error
        return _recorded(session, changed)


@extend_schema_serializer(component_name="PaperScore")
class PaperScoreSerializer(serializers.Serializer):
    officer = ObjectIdField()
    score = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, help_text="0 to the test's maximum; null clears it."
    )


class SessionPaperScoresApi(APIView):
    """Record paper-test scores at a session, all or nothing."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="PaperScoresInput")
    class InputSerializer(serializers.Serializer):
        scores = serializers.ListField(child=PaperScoreSerializer(), allow_empty=False, max_length=1000)

    @extend_schema(request=InputSerializer, responses=SessionRecordedSerializer)
    def post(self, request: AuthenticatedRequest, pk: int):
        session = permissions.access_session_to_manage(user=request.user, session_id=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rows = data.validated_data["scores"]
        row_of = _officer_rows(rows, "scores")
        try:
            changed = services.paper_scores_record(
                session=session, scores={row["officer"]: row["score"] for row in rows}, actor=request.user
            )
        except DjangoValidationError as error:
            raise _rows_error(error, field="scores", row_of=row_of.__getitem__) from error
        return _recorded(session, changed)
