from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from changes.models import Change, ChangeTemplate, FreezeWindow


@admin.register(Change)
class ChangeAdmin(SimpleHistoryAdmin):
    """Read-only: changes move through their services, not the admin."""

    list_display = ["number", "title", "change_type", "state", "risk", "service", "planned_start"]
    list_filter = ["state", "change_type", "risk"]
    search_fields = ["number", "title"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(ChangeTemplate)
class ChangeTemplateAdmin(SimpleHistoryAdmin):
    list_display = ["name", "service", "is_active"]
    readonly_fields = ["version", "created_at", "updated_at"]


@admin.register(FreezeWindow)
class FreezeWindowAdmin(admin.ModelAdmin):
    list_display = ["name", "start", "end"]
