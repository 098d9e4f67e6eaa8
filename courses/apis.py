"""Thin API views over courses: parse input, call one service or selector, shape the output.

A course the caller cannot see is a 404 (its existence does not leak); one they can see
but not edit is a 403.
"""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from courses import selectors, services
from courses.models import COMPETENCY_CODES, Course, Lesson, validate_competencies
from organisations.permissions import IsTrainer


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
