"""Thin API views over courses: parse input, call one service or selector, shape the output.

A course the caller cannot see is a 404 (its existence does not leak); one they can see
but not edit is a 403.
"""

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from courses import selectors, services
from courses.models import (
    COMPETENCY_CODES,
    Course,
    Enrollment,
    Lesson,
    LessonAttachment,
    Module,
    SessionRegistration,
    TrainingSession,
    validate_competencies,
    validate_practicals,
)
from lms.api import INTEGER_MAX, SMALLINT_MAX, BlankableUrlField, HourMinuteField, ObjectIdField
from organisations.models import Officer, Organisation, Role, User
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
        is_self_enrolment_open = serializers.BooleanField()
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
    def get(self, request, pk: int):
        course = selectors.course_outline_get(user=request.user, course_id=pk)
        if course is None:
            raise Http404
        return Response(CourseDetailSerializer(course).data)

    @extend_schema(request=UpdateInputSerializer, responses=CourseDetailSerializer)
    def patch(self, request, pk: int):
        course = _editable_course(request, pk)
        data = self.UpdateInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        try:
            services.course_update(course=course, actor=request.user, **data.validated_data)
        except DjangoValidationError as error:
            raise _validation_error(error) from error
        return Response(CourseDetailSerializer(selectors.course_outline_get(user=request.user, course_id=pk)).data)


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
        module = services.module_create(course=course, title=data.validated_data["title"], actor=request.user)
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
        duration_minutes = serializers.IntegerField(
            min_value=1, max_value=INTEGER_MAX, required=False, allow_null=True, default=None
        )
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
            lesson = services.lesson_create(module=module, actor=request.user, **data.validated_data)
        except DjangoValidationError as error:
            raise _validation_error(error) from error
        return Response(self.OutputSerializer(lesson).data, status=status.HTTP_201_CREATED)


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
    def get(self, request, pk: int):
        found = selectors.lesson_read_get(user=request.user, lesson_id=pk)
        if found is None:
            raise Http404
        if found.is_locked:
            raise PermissionDenied(selectors.LESSON_LOCKED_MESSAGE)
        return Response(self.OutputSerializer(found.lesson).data)

    @extend_schema(request=UpdateInputSerializer, responses=OutputSerializer)
    def patch(self, request, pk: int):
        """Change the lesson (authors and admins of its course; only the fields sent)."""
        lesson = _editable_lesson(request, pk)
        data = self.UpdateInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        try:
            lesson = services.lesson_update(lesson=lesson, actor=request.user, **data.validated_data)
        except DjangoValidationError as error:
            raise _validation_error(error) from error
        return Response(self.OutputSerializer(lesson).data)


class CoursePublishApi(APIView):
    """Publish the course as a new release (authors and admins, straight from draft), with
    its ready draft assessments. 400 for an archived course, or naming each required
    assessment that cannot be published (nothing is published then)."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="CoursePublished")
    class OutputSerializer(serializers.Serializer):
        status = serializers.CharField()
        release = serializers.IntegerField()

    @extend_schema(request=None, responses=OutputSerializer)
    def post(self, request, pk: int):
        course = _editable_course(request, pk)
        try:
            release = services.course_publish(course=course, actor=request.user)
        except DjangoValidationError as error:  # archived, or a required assessment is not ready
            raise _validation_error(error) from error
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
        course = ObjectIdField(required=False)

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


# Authoring -------------------------------------------------------------------------------
# Every endpoint below is for a course's authors and admins: 404 for a course, module or
# lesson the caller cannot see, 403 for one they see but may not edit, checked before the
# body is read, so a refused request changes nothing and learns nothing more.


def _editable_module(request, module_id: int) -> Module:
    module = selectors.module_get(user=request.user, module_id=module_id)
    if module is None:
        raise Http404
    if not selectors.course_is_editable(user=request.user, course=module.course):
        raise PermissionDenied
    return module


def _editable_lesson(request, lesson_id: int) -> Lesson:
    lesson = selectors.lesson_get(user=request.user, lesson_id=lesson_id)
    if lesson is None:
        raise Http404
    if not selectors.course_is_editable(user=request.user, course=lesson.module.course):
        raise PermissionDenied
    return lesson


@extend_schema_serializer(component_name="ModuleDetail")
class ModuleDetailSerializer(serializers.ModelSerializer):
    class Meta:
        model = Module
        fields = ["id", "course", "title", "order", "is_archived"]


class ModuleDetailApi(APIView):
    """Rename a module (its course's authors and admins)."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="ModuleUpdateInput")
    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=200)

    @extend_schema(request=InputSerializer, responses=ModuleDetailSerializer)
    def patch(self, request, pk: int):
        module = _editable_module(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            module = services.module_update(module=module, title=data.validated_data["title"], actor=request.user)
        except DjangoValidationError as error:
            raise _validation_error(error) from error
        return Response(ModuleDetailSerializer(module).data)


@extend_schema_serializer(component_name="OrderInput")
class OrderInputSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(),
        allow_empty=True,
        max_length=1000,
        help_text="Every live id, each once, in the new order.",
    )


@extend_schema_serializer(component_name="OrderResult")
class OrderResultSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), help_text="The live ids in their new order.")


class CourseModulesOrderApi(APIView):
    """Reorder the course's live modules; ``ids`` must be exactly those ids (ids never change)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=OrderInputSerializer, responses=OrderResultSerializer)
    def post(self, request, pk: int):
        course = _editable_course(request, pk)
        data = OrderInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.modules_reorder(course=course, module_ids=data.validated_data["ids"], actor=request.user)
        except DjangoValidationError as error:
            raise _validation_error(error) from error
        return Response(OrderResultSerializer({"ids": selectors.course_live_module_ids(course=course)}).data)


class ModuleLessonsOrderApi(APIView):
    """Reorder the module's live lessons; ``ids`` must be exactly those ids (lessons never change module)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=OrderInputSerializer, responses=OrderResultSerializer)
    def post(self, request, pk: int):
        module = _editable_module(request, pk)
        data = OrderInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.lessons_reorder(module=module, lesson_ids=data.validated_data["ids"], actor=request.user)
        except DjangoValidationError as error:
            raise _validation_error(error) from error
        return Response(OrderResultSerializer({"ids": selectors.module_live_lesson_ids(module=module)}).data)


@extend_schema_serializer(component_name="ArchiveState")
class ArchiveStateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    is_archived = serializers.BooleanField()
    order = serializers.IntegerField()


class ModuleArchiveApi(APIView):
    """Archive a module: it leaves the outline, its id and lessons stay (repeating it changes nothing)."""

    permission_classes = [IsAuthenticated]
    service = staticmethod(services.module_archive)

    @extend_schema(request=None, responses=ArchiveStateSerializer)
    def post(self, request, pk: int):
        module = self.service(module=_editable_module(request, pk), actor=request.user)
        return Response(ArchiveStateSerializer(module).data)


class ModuleUnarchiveApi(ModuleArchiveApi):
    """Bring an archived module back, at the end of the course."""

    service = staticmethod(services.module_unarchive)


class LessonArchiveApi(APIView):
    """Archive a lesson: it leaves the outline; releases that required it still do."""

    permission_classes = [IsAuthenticated]
    service = staticmethod(services.lesson_archive)

    @extend_schema(request=None, responses=ArchiveStateSerializer)
    def post(self, request, pk: int):
        lesson = self.service(lesson=_editable_lesson(request, pk), actor=request.user)
        return Response(ArchiveStateSerializer(lesson).data)


class LessonUnarchiveApi(LessonArchiveApi):
    """Bring an archived lesson back, at the end of its module."""

    service = staticmethod(services.lesson_unarchive)


@extend_schema_serializer(component_name="CourseStatusResult")
class CourseStatusResultSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Course.Status.choices)
    release = serializers.IntegerField(allow_null=True, help_text="The latest release number; null before the first.")


class CourseSubmitApi(APIView):
    """Submit a draft course for review."""

    permission_classes = [IsAuthenticated]
    service = staticmethod(services.course_submit_for_review)

    @extend_schema(request=None, responses=CourseStatusResultSerializer)
    def post(self, request, pk: int):
        course = _editable_course(request, pk)
        try:
            course = self.service(course=course, actor=request.user)
        except DjangoValidationError as error:
            raise _validation_error(error) from error
        release = course.releases.order_by("-number").values_list("number", flat=True).first()
        return Response(CourseStatusResultSerializer({"status": course.status, "release": release}).data)


class CourseReturnToDraftApi(CourseSubmitApi):
    """Send a course in review back to draft."""

    service = staticmethod(services.course_return_to_draft)


class CourseArchiveApi(CourseSubmitApi):
    """Archive a published course: no new enrolments; enrolments under way continue."""

    service = staticmethod(services.course_archive)


class CourseUnarchiveApi(CourseSubmitApi):
    """Publish an archived course again, on its latest release."""

    service = staticmethod(services.course_unarchive)


@extend_schema_serializer(component_name="CourseAuthor")
class CourseAuthorSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user_id")
    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="user.get_full_name")
    added_at = serializers.DateTimeField()
    is_creator = serializers.SerializerMethodField()

    def get_is_creator(self, author) -> bool:
        return author.user_id == self.context["course"].created_by_id


class CourseAuthorListApi(APIView):
    """A course's authors (its authors and admins); POST adds a trainer or admin as co-author
    (201, or 200 when they already are one)."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="CourseAuthorAddInput")
    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)

    @extend_schema(responses=CourseAuthorSerializer(many=True))
    def get(self, request, pk: int):
        course = _editable_course(request, pk)
        authors = selectors.course_authors(course=course)
        return Response(CourseAuthorSerializer(authors, many=True, context={"course": course}).data)

    @extend_schema(request=InputSerializer, responses={200: CourseAuthorSerializer, 201: CourseAuthorSerializer})
    def post(self, request, pk: int):
        course = _editable_course(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = selectors.author_candidate_get(username=data.validated_data["username"])
        if user is None:
            raise ValidationError({"username": ["No active account has this user name."]})
        try:
            author, created = services.course_author_add(course=course, user=user, actor=request.user)
        except DjangoValidationError as error:
            raise ValidationError({"username": error.messages}) from error
        return Response(
            CourseAuthorSerializer(author, context={"course": course}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class CourseAuthorDeleteApi(APIView):
    """Remove a co-author; the course's creator and its last author stay (400)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk: int, user_id: int):
        course = _editable_course(request, pk)
        author = selectors.course_authors(course=course).filter(user_id=user_id).first()
        if author is None:
            raise Http404
        try:
            services.course_author_remove(course=course, user=author.user, actor=request.user)
        except DjangoValidationError as error:
            raise _validation_error(error) from error
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_serializer(component_name="LessonAttachment")
class LessonAttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = LessonAttachment
        fields = ["id", "lesson", "kind", "title", "filename", "content_type", "size", "url"]

    def get_url(self, attachment) -> str:
        return reverse("lesson-attachment", kwargs={"pk": attachment.pk})


class LessonAttachmentCreateApi(APIView):
    """Attach an image (PNG, JPEG, WebP: shown in the lesson) or a PDF (to download) to a lesson.

    Multipart ``file`` and optional ``title``. The type is told by the file's content, not
    its name; at most ``LESSON_ATTACHMENT_MAX_MB`` megabytes.
    """

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema_serializer(component_name="LessonAttachmentInput")
    class InputSerializer(serializers.Serializer):
        file = serializers.FileField()
        title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    @extend_schema(request={"multipart/form-data": InputSerializer}, responses={201: LessonAttachmentSerializer})
    def post(self, request, pk: int):
        lesson = _editable_lesson(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            attachment = services.lesson_attachment_create(
                lesson=lesson,
                uploaded_file=data.validated_data["file"],
                title=data.validated_data["title"],
                actor=request.user,
            )
        except DjangoValidationError as error:
            raise _validation_error(error) from error
        return Response(LessonAttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class LessonAttachmentDeleteApi(APIView):
    """Delete a lesson's attachment (authors and admins of its course)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk: int):
        attachment = selectors.attachment_get(user=request.user, attachment_id=pk)
        if attachment is None:
            raise Http404
        if not selectors.course_is_editable(user=request.user, course=attachment.lesson.module.course):
            raise PermissionDenied
        services.lesson_attachment_delete(attachment=attachment, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# In-person sessions ---------------------------------------------------------------------
# A session the caller cannot see is a 404; one they see but do not run is a 403 for
# every write. Bulk writes answer 400 with every problem at once: rows are keyed by their
# index in the request, and each message names the officer.


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


def _visible_session(request, pk: int) -> TrainingSession:
    session = selectors.session_get(user=request.user, session_id=pk)
    if session is None:
        raise Http404
    return session


def _managed_session(request, pk: int) -> TrainingSession:
    session = _visible_session(request, pk)
    if not selectors.session_is_manageable(user=request.user, session=session):
        raise PermissionDenied
    return session


def _session_output(request, session: TrainingSession) -> dict:
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


def _session_references(request, values: dict) -> dict:
    """Replace the ids in validated input by rows: course (visible), unit (in the caller's
    trainer scope), trainer (an active user); unknown ones are 400s by field."""
    errors: dict[str, list[str]] = {}
    if "course" in values:
        values["course"] = selectors.course_get(user=request.user, course_id=values["course"])
        if values["course"] is None:
            errors["course"] = ["Unknown course."]
    if "unit" in values:
        values["unit"] = selectors.units_for_enrolment(user=request.user).filter(pk=values["unit"]).first()
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
    def post(self, request):
        data = SessionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = _session_references(request, dict(data.validated_data))
        try:
            session = services.session_create(actor=request.user, **values)
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error) or None) from error
        except DjangoValidationError as error:
            raise _validation_error(error) from error
        return Response(_session_output(request, session), status=status.HTTP_201_CREATED)


class SessionDetailApi(APIView):
    """One session; its trainers (scope covering the host unit) and admins change it."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="SessionUpdateInput")
    class InputSerializer(SessionInputSerializer):
        course = None

    @extend_schema(responses=SessionSerializer)
    def get(self, request, pk: int):
        return Response(SessionSerializer(_visible_session(request, pk)).data)

    @extend_schema(request=InputSerializer, responses=SessionSerializer)
    def patch(self, request, pk: int):
        session = _managed_session(request, pk)
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = _session_references(request, dict(data.validated_data))
        try:
            services.session_update(session=session, actor=request.user, **values)
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error) or None) from error
        except DjangoValidationError as error:
            raise _validation_error(error) from error
        return Response(_session_output(request, session))


class SessionCancelApi(APIView):
    """Cancel a scheduled session; registered officers are told."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="SessionCancelInput")
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)

    @extend_schema(request=InputSerializer, responses=SessionSerializer)
    def post(self, request, pk: int):
        session = _managed_session(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.session_cancel(session=session, actor=request.user, reason=data.validated_data["reason"])
        except DjangoValidationError as error:
            raise _validation_error(error) from error
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
    def get(self, request, pk: int):
        session = _visible_session(request, pk)
        if not selectors.session_roster_is_visible(user=request.user, session=session):
            raise PermissionDenied
        registrations = selectors.session_registrations(session=session)
        return Response(SessionRegistrationSerializer(registrations, many=True).data)

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request, pk: int):
        session = _managed_session(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            if "unit" in values:
                unit = selectors.units_for_enrolment(user=request.user).filter(pk=values["unit"]).first()
                if unit is None:
                    raise ValidationError({"unit": ["Unknown unit, or outside your trainer scope."]})
                registered = services.session_register_unit(session=session, unit=unit, actor=request.user)
            else:
                officers = list(Officer.objects.select_related("unit").filter(pk__in=values["officers"]))
                unknown = sorted(set(values["officers"]) - {officer.pk for officer in officers})
                if unknown:
                    raise ValidationError({"officers": [f"Unknown officer(s): {', '.join(map(str, unknown))}."]})
                registered = services.session_register(session=session, officers=officers, actor=request.user)
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error) or None) from error
        except DjangoValidationError as error:
            raise _validation_error(error) from error
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
    def post(self, request, pk: int):
        session = _managed_session(request, pk)
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
    def post(self, request, pk: int):
        session = _managed_session(request, pk)
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
    def post(self, request, pk: int):
        session = _managed_session(request, pk)
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
