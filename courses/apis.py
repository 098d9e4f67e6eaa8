"""Thin API views over courses: parse input, call one service or selector, shape the output.

A course the caller cannot see is a 404 (its existence does not leak); one they can see
but not edit is a 403.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from courses import selectors, services
from courses.models import COMPETENCY_CODES, Course, Enrollment, Lesson, validate_competencies
from organisations.models import Officer, Role
from organisations.permissions import IsTrainer
from organisations.selectors import user_roles


def _validation_error(error: DjangoValidationError) -> ValidationError:
    return ValidationError(error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages})


def _editable_course(request, course_id: int) -> Course:
    course = selectors.course_get(user=request.user, course_id=course_id)
    if course is None:
        raise Http404
    if not selectors.course_is_editable(user=request.user, course=course):
        raise PermissionDenied
    return course


class CourseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Course
        fields = [
            "id",
            "code",
            "title",
            "summary",
            "language",
            "estimated_hours",
            "owner",
            "competencies",
            "validity_months",
            "is_self_enrolment_open",
            "status",
            "translation_of",
            "created_at",
            "updated_at",
        ]


class OutlineLessonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lesson
        fields = ["id", "title", "order"]


class OutlineModuleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    order = serializers.IntegerField()
    lessons = OutlineLessonSerializer(many=True, source="live_lessons")


class CourseDetailSerializer(CourseSerializer):
    modules = OutlineModuleSerializer(many=True, source="outline")

    class Meta(CourseSerializer.Meta):
        fields = [*CourseSerializer.Meta.fields, "modules"]


class CourseListApi(ListAPIView):
    """Courses the caller may see (a trainee: published ones); a trainer creates a draft course."""

    serializer_class = CourseSerializer

    @extend_schema_serializer(component_name="CourseCreateInput")
    class InputSerializer(serializers.Serializer):
        code = serializers.CharField(max_length=30)
        title = serializers.CharField(max_length=200)
        summary = serializers.CharField(required=False, allow_blank=True, default="")
        language = serializers.ChoiceField(choices=settings.LANGUAGES, default="en")
        competencies = serializers.ListField(
            child=serializers.CharField(),
            default=list,
            validators=[validate_competencies],
            help_text=f"Competency codes, any of: {', '.join(COMPETENCY_CODES)}.",
        )
        estimated_hours = serializers.DecimalField(
            max_digits=5, decimal_places=1, required=False, allow_null=True, default=None
        )
        validity_months = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
        is_self_enrolment_open = serializers.BooleanField(default=True)

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsTrainer()]
        return [IsAuthenticated()]

    def get_queryset(self):
        return selectors.course_list(user=self.request.user)

    @extend_schema(request=InputSerializer, responses={201: CourseSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            course = services.course_create(creator=request.user, **data.validated_data)
        except DjangoValidationError as error:
            raise _validation_error(error) from error
        return Response(CourseSerializer(course).data, status=status.HTTP_201_CREATED)


class CourseDetailApi(APIView):
    """One course with its outline: live modules and their live lessons, in order."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=CourseDetailSerializer)
    def get(self, request, pk: int):
        course = selectors.course_outline_get(user=request.user, course_id=pk)
        if course is None:
            raise Http404
        return Response(CourseDetailSerializer(course).data)


class ModuleCreateApi(APIView):
    """Append a module to a course (its authors and admins)."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="ModuleCreateInput")
    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=200)

    @extend_schema_serializer(component_name="ModuleCreated")
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        title = serializers.CharField()
        order = serializers.IntegerField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request, pk: int):
        course = _editable_course(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        module = services.module_create(course=course, title=data.validated_data["title"])
        return Response(self.OutputSerializer(module).data, status=status.HTTP_201_CREATED)


class LessonCreateApi(APIView):
    """Append a lesson to a module (authors and admins of its course); the body is Markdown."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="LessonCreateInput")
    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=200)
        body = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)
        aim = serializers.CharField(required=False, allow_blank=True, default="")
        relevance = serializers.CharField(required=False, allow_blank=True, default="")
        learning_outcomes = serializers.CharField(required=False, allow_blank=True, default="")
        duration_minutes = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
        summary = serializers.CharField(required=False, allow_blank=True, default="")
        video_url = serializers.URLField(required=False, allow_blank=True, default="")
        is_required = serializers.BooleanField(default=True)

    @extend_schema_serializer(component_name="LessonCreated")
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        title = serializers.CharField()
        order = serializers.IntegerField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request, pk: int):
        module = selectors.module_get(user=request.user, module_id=pk)
        if module is None:
            raise Http404
        if not selectors.course_is_editable(user=request.user, course=module.course):
            raise PermissionDenied
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            lesson = services.lesson_create(module=module, **data.validated_data)
        except DjangoValidationError as error:
            raise _validation_error(error) from error
        return Response(self.OutputSerializer(lesson).data, status=status.HTTP_201_CREATED)


class LessonDetailApi(APIView):
    """One lesson with its sanitised HTML."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="LessonDetail")
    class OutputSerializer(serializers.ModelSerializer):
        course = serializers.IntegerField(source="module.course_id")
        html = serializers.CharField(source="body_html")

        class Meta:
            model = Lesson
            fields = [
                "id",
                "course",
                "module",
                "title",
                "order",
                "aim",
                "relevance",
                "learning_outcomes",
                "duration_minutes",
                "summary",
                "video_url",
                "is_required",
                "html",
            ]

    @extend_schema(responses=OutputSerializer)
    def get(self, request, pk: int):
        lesson = selectors.lesson_get(user=request.user, lesson_id=pk)
        if lesson is None:
            raise Http404
        return Response(self.OutputSerializer(lesson).data)


class CoursePublishApi(APIView):
    """Publish the course as a new release (authors and admins, straight from draft)."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="CoursePublished")
    class OutputSerializer(serializers.Serializer):
        status = serializers.CharField()
        release = serializers.IntegerField()

    @extend_schema(request=None, responses=OutputSerializer)
    def post(self, request, pk: int):
        course = _editable_course(request, pk)
        release = services.course_publish(course=course, actor=request.user)
        return Response(self.OutputSerializer({"status": Course.Status.PUBLISHED, "release": release.number}).data)


class EnrollmentCourseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()


class EnrollmentOfficerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="full_name")


class EnrollmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    course = EnrollmentCourseSerializer()
    status = serializers.ChoiceField(choices=Enrollment.Status.choices)
    progress = serializers.IntegerField(min_value=0, max_value=100)
    deadline = serializers.DateField(allow_null=True)
    last_lesson = serializers.IntegerField(source="last_lesson_id", allow_null=True)
    officer = EnrollmentOfficerSerializer()


class CourseEnrolApi(APIView):
    """Enrol in a course.

    Without a body: the caller enrols themselves (201, or 200 with the enrolment they already
    have). A trainer sends ``unit`` (every active officer of its subtree) or ``officers``,
    with an optional ``deadline``, and gets the number newly enrolled.
    """

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="CourseEnrolInput")
    class InputSerializer(serializers.Serializer):
        unit = serializers.IntegerField(required=False, help_text="Enrol every active officer of this unit's subtree.")
        officers = serializers.ListField(
            child=serializers.IntegerField(), required=False, allow_empty=False, max_length=5000
        )
        deadline = serializers.DateField(required=False, allow_null=True, default=None)

        def validate(self, attrs):
            if "unit" in attrs and "officers" in attrs:
                raise serializers.ValidationError("Send either unit or officers, not both.")
            return attrs

    @extend_schema_serializer(component_name="SelfEnrollment")
    class SelfOutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        course = serializers.IntegerField(source="course_id")
        status = serializers.ChoiceField(choices=Enrollment.Status.choices)
        progress = serializers.IntegerField(min_value=0, max_value=100)

    @extend_schema_serializer(component_name="EnrolledCount")
    class CountOutputSerializer(serializers.Serializer):
        enrolled = serializers.IntegerField()

    @extend_schema(
        request=InputSerializer,
        responses={
            200: PolymorphicProxySerializer(
                component_name="CourseEnrolResult",
                serializers=[SelfOutputSerializer, CountOutputSerializer],
                resource_type_field_name=None,
            ),
            201: SelfOutputSerializer,
        },
    )
    def post(self, request, pk: int):
        course = selectors.course_get(user=request.user, course_id=pk)
        if course is None:
            raise Http404
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            if "unit" not in values and "officers" not in values:
                return self._enrol_self(request, course)
            if not user_roles(request.user).has(Role.TRAINER, Role.ADMIN):
                raise PermissionDenied
            if "unit" in values:
                unit = selectors.unit_for_enrolment_get(user=request.user, unit_id=values["unit"])
                if unit is None:
                    raise Http404
                enrolled = services.enrollments_create_for_unit(
                    course=course, unit=unit, actor=request.user, deadline=values["deadline"]
                )
            else:
                officers = list(Officer.objects.select_related("unit").filter(pk__in=values["officers"]))
                unknown = sorted(set(values["officers"]) - {officer.pk for officer in officers})
                if unknown:
                    raise ValidationError({"officers": [f"Unknown officer(s): {', '.join(map(str, unknown))}."]})
                enrolled = services.enrollments_create(
                    course=course, officers=officers, actor=request.user, deadline=values["deadline"]
                )
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error) or None) from error
        except DjangoValidationError as error:
            raise _validation_error(error) from error
        return Response(self.CountOutputSerializer({"enrolled": enrolled}).data)

    def _enrol_self(self, request, course: Course) -> Response:
        enrollment, created = services.enrollment_create_self(course=course, user=request.user)
        selectors.enrollment_with_progress(enrollment)
        return Response(
            self.SelfOutputSerializer(enrollment).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class LessonCompleteApi(APIView):
    """Mark a lesson completed for the caller's enrolment; returns the enrolment's progress."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="LessonCompleted")
    class OutputSerializer(serializers.Serializer):
        progress = serializers.IntegerField(min_value=0, max_value=100)

    @extend_schema(request=None, responses=OutputSerializer)
    def post(self, request, pk: int):
        lesson = selectors.lesson_get(user=request.user, lesson_id=pk)
        if lesson is None:
            raise Http404
        enrollment = selectors.own_enrollment_get(user=request.user, course=lesson.module.course)
        if enrollment is None:
            raise PermissionDenied("You are not enrolled in this lesson's course.")
        try:
            progress = services.lesson_complete(enrollment=enrollment, lesson=lesson)
        except DjangoValidationError as error:
            raise _validation_error(error) from error
        return Response(self.OutputSerializer({"progress": progress}).data)


@extend_schema(parameters=[OpenApiParameter("course", int, description="Only enrolments in this course.")])
class EnrollmentListApi(ListAPIView):
    """Enrolments: a trainee's own; a trainer's or leader's within their scope; an admin's all."""

    permission_classes = [IsAuthenticated]
    serializer_class = EnrollmentSerializer

    class FilterSerializer(serializers.Serializer):
        course = serializers.IntegerField(required=False)

    def get_queryset(self):
        filters = self.FilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.enrollment_list(user=self.request.user, course_id=filters.validated_data.get("course"))

    def get_serializer(self, *args, **kwargs):
        if args:
            instances = args[0]
            for enrollment in instances if kwargs.get("many") else [instances]:
                selectors.enrollment_with_progress(enrollment)
        return super().get_serializer(*args, **kwargs)
