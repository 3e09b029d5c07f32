from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from sla.models import SlaNotification, SlaPolicy, SlaTarget


class SlaTargetInline(admin.TabularInline):
    model = SlaTarget
    extra = 0


@admin.register(SlaPolicy)
class SlaPolicyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "is_default", "time_zone", "always_on", "holiday_country"]
    inlines = [SlaTargetInline]
    readonly_fields = ["version", "created_at", "updated_at"]


@admin.register(SlaNotification)
class SlaNotificationAdmin(admin.ModelAdmin):
    list_display = ["content_type", "object_id", "metric", "kind", "threshold", "created_at"]
    list_filter = ["metric", "kind"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
