from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from catalog.models import ConfigurationItem, Service, SupportGroup


@admin.register(Service)
class ServiceAdmin(SimpleHistoryAdmin):
    list_display = ["name", "lifecycle", "criticality", "support_group", "owner", "sla_policy"]
    list_filter = ["lifecycle", "criticality", "support_group"]
    search_fields = ["name", "description"]
    readonly_fields = ["version", "created_at", "updated_at"]
    list_select_related = ["support_group", "owner", "sla_policy"]


@admin.register(ConfigurationItem)
class ConfigurationItemAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    filter_horizontal = ["services"]
    readonly_fields = ["version", "created_at", "updated_at"]


@admin.register(SupportGroup)
class SupportGroupAdmin(SimpleHistoryAdmin):
    list_display = ["name", "manager", "is_active"]
    search_fields = ["name"]
    filter_horizontal = ["members"]
    readonly_fields = ["version", "created_at", "updated_at"]
