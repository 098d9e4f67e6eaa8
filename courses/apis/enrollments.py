"""Enrolments: enrolling oneself, an officer list or a unit, and the enrolments in scope."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from courses import selectors, services
from courses.models import Course, Enrollment
from lms.api import ObjectIdField
from organisations.models import Role
from organisations.permissions import AuthenticatedRequest
from organisations.selectors import officers_by_ids, user_roles


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
        unit = ObjectIdField(required=False, help_text="Enrol every active officer of this unit's subtree.")
        officers = serializers.ListField(child=ObjectIdField(), required=False, allow_empty=False, max_length=5000)
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
    def post(self, request: AuthenticatedRequest, pk: int):
        course = selectors.course_get(user=request.user, course_id=pk)
        if course is None:
            raise Http404
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if "unit" not in values and "officers" not in values:
            return self._enrol_self(request, course)
        if not user_roles(request.user).has(Role.TRAINER, Role.ADMIN):
            raise PermissionDenied
        if "unit" in values:
            unit = selectors.unit_for_enrollment_get(user=request.user, unit_id=values["unit"])
            if unit is None:
                raise Http404
            enrolled = services.enrollments_create_for_unit(
                course=course, unit=unit, actor=request.user, deadline=values["deadline"]
            )
        else:
            officers = officers_by_ids(officer_ids=values["officers"])
            enrolled = services.enrollments_create(
                course=course, officers=officers, actor=request.user, deadline=values["deadline"]
            )
        return Response(self.CountOutputSerializer({"enrolled": enrolled}).data)

    def _enrol_self(self, request: AuthenticatedRequest, course: Course) -> Response:
        enrollment, created = services.enrollment_create_self(course=course, user=request.user)
        selectors.enrollments_with_progress([enrollment])
        return Response(
            self.SelfOutputSerializer(enrollment).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


@extend_schema(parameters=[OpenApiParameter("course", int, description="Only enrolments in this course.")])
class EnrollmentListApi(ListAPIView):
    """Enrolments: a trainee's own; a trainer's or leader's within their scope; an admin's all."""

    request: AuthenticatedRequest  # every method needs a signed-in account (the permissions below)
    permission_classes = [IsAuthenticated]
    serializer_class = EnrollmentSerializer

    class FilterSerializer(serializers.Serializer):
        course = ObjectIdField(required=False)

    def get_queryset(self):
        filters = self.FilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.enrollment_list(user=self.request.user, course_id=filters.validated_data.get("course"))

    def get_serializer(self, *args, **kwargs):
        if args:
            selectors.enrollments_with_progress(list(args[0]) if kwargs.get("many") else [args[0]])
        return super().get_serializer(*args, **kwargs)
