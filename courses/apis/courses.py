"""Courses: the list (a trainer creates a draft there) and one course with its outline."""

from django.conf import settings
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from courses import permissions, selectors, services
from courses.models import COMPETENCY_CODES, Course, Lesson, validate_competencies, validate_practicals
from lms.api import SMALLINT_MAX
from organisations.models import Organisation
from organisations.permissions import AuthenticatedRequest, IsTrainer


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
            "is_self_enrollment_open",
            "is_sequential",
            "requires_attendance",
            "required_practicals",
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

    request: AuthenticatedRequest  # every method needs a signed-in account (the permissions below)
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
        validity_months = serializers.IntegerField(
            min_value=1, max_value=SMALLINT_MAX, required=False, allow_null=True, default=None
        )
        is_self_enrollment_open = serializers.BooleanField(default=True)

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsTrainer()]
        return [IsAuthenticated()]

    def get_queryset(self):
        return selectors.course_list(user=self.request.user)

    @extend_schema(request=InputSerializer, responses={201: CourseSerializer})
    def post(self, request: AuthenticatedRequest):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        course = services.course_create(creator=request.user, **data.validated_data)
        return Response(CourseSerializer(course).data, status=status.HTTP_201_CREATED)


class CourseDetailApi(APIView):
    """One course with its outline: live modules and their live lessons, in order. Its
    authors and admins change it with PATCH (only the fields sent)."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="CourseUpdateInput")
    class UpdateInputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=200)
        summary = serializers.CharField(allow_blank=True)
        language = serializers.ChoiceField(choices=settings.LANGUAGES)
        estimated_hours = serializers.DecimalField(max_digits=5, decimal_places=1, min_value=0, allow_null=True)
        competencies = serializers.ListField(
            child=serializers.CharField(),
            validators=[validate_competencies],
            help_text=f"Competency codes, any of: {', '.join(COMPETENCY_CODES)}.",
        )
        validity_months = serializers.IntegerField(min_value=1, max_value=SMALLINT_MAX, allow_null=True)
        is_self_enrollment_open = serializers.BooleanField()
        is_sequential = serializers.BooleanField()
        requires_attendance = serializers.BooleanField(
            help_text="Applies to enrolments on the next release, never to those under way."
        )
        required_practicals = serializers.ListField(
            child=serializers.CharField(max_length=100),
            validators=[validate_practicals],
            help_text="Applies to enrolments on the next release, never to those under way.",
        )
        translation_of = serializers.PrimaryKeyRelatedField(queryset=Course.objects.all(), allow_null=True)
        owner = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all(), allow_null=True)

    @extend_schema(responses=CourseDetailSerializer)
    def get(self, request: AuthenticatedRequest, pk: int):
        course = selectors.course_outline_get(user=request.user, course_id=pk)
        if course is None:
            raise Http404
        return Response(CourseDetailSerializer(course).data)

    @extend_schema(request=UpdateInputSerializer, responses=CourseDetailSerializer)
    def patch(self, request: AuthenticatedRequest, pk: int):
        course = permissions.access_course_for_edit(user=request.user, course_id=pk)
        data = self.UpdateInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.course_update(course=course, actor=request.user, **data.validated_data)
        return Response(CourseDetailSerializer(selectors.course_outline_get(user=request.user, course_id=pk)).data)
