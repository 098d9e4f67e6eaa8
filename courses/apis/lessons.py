"""A lesson as a learner reads it (its authors change it there) and marks it completed."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from courses import permissions, selectors, services
from courses.models import Lesson
from lms.api import INTEGER_MAX, BlankableUrlField
from organisations.permissions import AuthenticatedRequest


class LessonDetailApi(APIView):
    """One lesson with its sanitised HTML. 403 for a trainee whose enrolment keeps the
    lesson's module closed (a sequential course); staff and authors read any lesson."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="LessonDetail")
    class OutputSerializer(serializers.ModelSerializer):
        course = serializers.IntegerField(source="module.course_id")
        html = serializers.CharField(source="body_html")
        video_url = BlankableUrlField(allow_blank=True)

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

    @extend_schema_serializer(component_name="LessonUpdateInput")
    class UpdateInputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=200)
        body = serializers.CharField(allow_blank=True, trim_whitespace=False)
        aim = serializers.CharField(allow_blank=True)
        relevance = serializers.CharField(allow_blank=True)
        learning_outcomes = serializers.CharField(allow_blank=True)
        duration_minutes = serializers.IntegerField(min_value=1, max_value=INTEGER_MAX, allow_null=True)
        summary = serializers.CharField(allow_blank=True)
        video_url = serializers.URLField(allow_blank=True)
        is_required = serializers.BooleanField(
            help_text="Applies to enrolments on the next release, never to those under way."
        )

    @extend_schema(responses=OutputSerializer)
    def get(self, request: AuthenticatedRequest, pk: int):
        found = selectors.lesson_read_get(user=request.user, lesson_id=pk)
        if found is None:
            raise Http404
        if found.is_locked:
            raise PermissionDenied(selectors.LESSON_LOCKED_MESSAGE)
        return Response(self.OutputSerializer(found.lesson).data)

    @extend_schema(request=UpdateInputSerializer, responses=OutputSerializer)
    def patch(self, request: AuthenticatedRequest, pk: int):
        """Change the lesson (authors and admins of its course; only the fields sent)."""
        lesson = permissions.access_lesson_for_edit(user=request.user, lesson_id=pk)
        data = self.UpdateInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        lesson = services.lesson_update(lesson=lesson, actor=request.user, **data.validated_data)
        return Response(self.OutputSerializer(lesson).data)


class LessonCompleteApi(APIView):
    """Mark a lesson completed for the caller's enrolment; returns the enrolment's progress."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="LessonCompleted")
    class OutputSerializer(serializers.Serializer):
        progress = serializers.IntegerField(min_value=0, max_value=100)

    @extend_schema(request=None, responses=OutputSerializer)
    def post(self, request: AuthenticatedRequest, pk: int):
        lesson = selectors.lesson_get(user=request.user, lesson_id=pk)
        if lesson is None:
            raise Http404
        enrollment = selectors.own_enrollment_get(user=request.user, course=lesson.module.course)
        if enrollment is None:
            raise PermissionDenied("You are not enrolled in this lesson's course.")
        progress = services.lesson_complete(enrollment=enrollment, lesson=lesson)
        return Response(self.OutputSerializer({"progress": progress}).data)
