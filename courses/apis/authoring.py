"""Authoring: modules, lessons, order, archiving, review and release, co-authors, attachments.

Every endpoint here is for a course's authors and admins: 404 for a course, module or
lesson the caller cannot see, 403 for one they see but may not edit, checked before the
body is read, so a refused request changes nothing and learns nothing more.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from courses import permissions, selectors, services
from courses.models import Course, LessonAttachment, Module
from lms.api import INTEGER_MAX
from organisations.permissions import AuthenticatedRequest


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
    def post(self, request: AuthenticatedRequest, pk: int):
        course = permissions.access_course_for_edit(user=request.user, course_id=pk)
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
    def post(self, request: AuthenticatedRequest, pk: int):
        module = permissions.access_module_for_edit(user=request.user, module_id=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lesson = services.lesson_create(module=module, actor=request.user, **data.validated_data)
        return Response(self.OutputSerializer(lesson).data, status=status.HTTP_201_CREATED)


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
    def post(self, request: AuthenticatedRequest, pk: int):
        course = permissions.access_course_for_edit(user=request.user, course_id=pk)
        release = services.course_publish(course=course, actor=request.user)
        return Response(self.OutputSerializer({"status": Course.Status.PUBLISHED, "release": release.number}).data)


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
    def patch(self, request: AuthenticatedRequest, pk: int):
        module = permissions.access_module_for_edit(user=request.user, module_id=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        module = services.module_update(module=module, title=data.validated_data["title"], actor=request.user)
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
    def post(self, request: AuthenticatedRequest, pk: int):
        course = permissions.access_course_for_edit(user=request.user, course_id=pk)
        data = OrderInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.modules_reorder(course=course, module_ids=data.validated_data["ids"], actor=request.user)
        return Response(OrderResultSerializer({"ids": selectors.course_live_module_ids(course=course)}).data)


class ModuleLessonsOrderApi(APIView):
    """Reorder the module's live lessons; ``ids`` must be exactly those ids (lessons never change module)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=OrderInputSerializer, responses=OrderResultSerializer)
    def post(self, request: AuthenticatedRequest, pk: int):
        module = permissions.access_module_for_edit(user=request.user, module_id=pk)
        data = OrderInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.lessons_reorder(module=module, lesson_ids=data.validated_data["ids"], actor=request.user)
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
    def post(self, request: AuthenticatedRequest, pk: int):
        module = self.service(
            module=permissions.access_module_for_edit(user=request.user, module_id=pk), actor=request.user
        )
        return Response(ArchiveStateSerializer(module).data)


class ModuleUnarchiveApi(ModuleArchiveApi):
    """Bring an archived module back, at the end of the course."""

    service = staticmethod(services.module_unarchive)


class LessonArchiveApi(APIView):
    """Archive a lesson: it leaves the outline; releases that required it still do."""

    permission_classes = [IsAuthenticated]
    service = staticmethod(services.lesson_archive)

    @extend_schema(request=None, responses=ArchiveStateSerializer)
    def post(self, request: AuthenticatedRequest, pk: int):
        lesson = self.service(
            lesson=permissions.access_lesson_for_edit(user=request.user, lesson_id=pk), actor=request.user
        )
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
    def post(self, request: AuthenticatedRequest, pk: int):
        course = permissions.access_course_for_edit(user=request.user, course_id=pk)
        course = self.service(course=course, actor=request.user)
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
    def get(self, request: AuthenticatedRequest, pk: int):
        course = permissions.access_course_for_edit(user=request.user, course_id=pk)
        authors = selectors.course_authors(course=course)
        return Response(CourseAuthorSerializer(authors, many=True, context={"course": course}).data)

    @extend_schema(request=InputSerializer, responses={200: CourseAuthorSerializer, 201: CourseAuthorSerializer})
    def post(self, request: AuthenticatedRequest, pk: int):
        course = permissions.access_course_for_edit(user=request.user, course_id=pk)
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
    def delete(self, request: AuthenticatedRequest, pk: int, user_id: int):
        course = permissions.access_course_for_edit(user=request.user, course_id=pk)
        author = selectors.course_authors(course=course).filter(user_id=user_id).first()
        if author is None:
            raise Http404
        services.course_author_remove(course=course, user=author.user, actor=request.user)
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
    def post(self, request: AuthenticatedRequest, pk: int):
        lesson = permissions.access_lesson_for_edit(user=request.user, lesson_id=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attachment = services.lesson_attachment_create(
            lesson=lesson,
            uploaded_file=data.validated_data["file"],
            title=data.validated_data["title"],
            actor=request.user,
        )
        return Response(LessonAttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class LessonAttachmentDeleteApi(APIView):
    """Delete a lesson's attachment (authors and admins of its course)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: AuthenticatedRequest, pk: int):
        attachment = selectors.attachment_get(user=request.user, attachment_id=pk)
        if attachment is None:
            raise Http404
        permissions.course_edit_require(user=request.user, course=attachment.lesson.module.course)
        services.lesson_attachment_delete(attachment=attachment, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
