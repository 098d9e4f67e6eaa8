from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from lms.events import services
from lms.events.models import Delivery, Event


class DeliveryInline(admin.TabularInline[Delivery, Event]):
    model = Delivery
    extra = 0
    can_delete = False
    readonly_fields = [
        "handler",
        "status",
        "attempts",
        "next_attempt_at",
        "dispatched_at",
        "delivered_at",
        "last_error",
    ]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin[Event]):
    list_display = ["id", "name", "occurred_at"]
    list_filter = ["name"]
    search_fields = ["name", "payload"]
    date_hierarchy = "occurred_at"
    readonly_fields = ["name", "payload", "occurred_at"]
    inlines = [DeliveryInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin[Delivery]):
    list_display = ["id", "event", "handler", "status", "attempts", "next_attempt_at", "delivered_at"]
    list_filter = ["status", "handler"]
    search_fields = ["handler", "event__name", "last_error"]
    list_select_related = ["event"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Retry the selected failed deliveries")
    def retry(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        count = services.delivery_retry(delivery_ids=queryset.values_list("id", flat=True))
        self.message_user(request, f"{count} deliveries will be retried by the next sweep.", messages.SUCCESS)
