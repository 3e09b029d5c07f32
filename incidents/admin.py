from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from incidents.models import Incident


@admin.register(Incident)
class IncidentAdmin(SimpleHistoryAdmin):
    """Read-only: records move through their services, not the admin."""

    list_display = ["number", "title", "state", "priority", "service", "opened_at"]
    list_filter = ["state", "priority"]
    search_fields = ["number", "title"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
