"""The caller's own notifications: list them, mark them read."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from lms.api import ObjectIdField, StandardPagination
from lms.notifications import selectors, services
from lms.notifications.models import Notification


@extend_schema_serializer(component_name="Notification")
class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "message", "link", "created_at", "read_at", "is_read"]


@extend_schema(
    parameters=[OpenApiParameter("unread", bool, description="Only the notifications not read yet (`true`).")]
)
class NotificationListApi(ListAPIView):
    """The caller's notifications, newest first; ``message`` is in the language they had when it was sent."""

    permission_classes = [IsAuthenticated]
    pagination_class = StandardPagination
    serializer_class = NotificationSerializer

    class FilterSerializer(serializers.Serializer):
        unread = serializers.BooleanField(required=False, default=False)

    def get_queryset(self):
        filters = self.FilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.notification_list(user=self.request.user, is_unread_only=filters.validated_data["unread"])


class NotificationReadApi(APIView):
    """Mark the caller's notifications read: those in ``ids``, or all of them without ``ids``.

    Ids of other people's notifications, or of ones already read, are ignored; ``marked``
    counts the notifications this call marked.
    """

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="NotificationReadInput")
    class InputSerializer(serializers.Serializer):
        ids = serializers.ListField(child=ObjectIdField(), required=False, max_length=1000)

    @extend_schema_serializer(component_name="NotificationsMarked")
    class OutputSerializer(serializers.Serializer):
        marked = serializers.IntegerField(min_value=0)

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = services.notifications_mark_read(user=request.user, notification_ids=data.validated_data.get("ids"))
        return Response(self.OutputSerializer({"marked": marked}).data)
