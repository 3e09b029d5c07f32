from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from integrations.models import (
    AlertEvent,
    ApiToken,
    Integration,
    WebhookDelivery,
    WebhookSubscription,
)
from integrations.services import webhook_redeliver


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "is_active", "created_at"]
    readonly_fields = ["created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_exclude(self, request, obj=None):
        return ["created_by"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "event",
        "subscription",
        "status",
        "attempts",
        "last_status_code",
        "created_at",
        "delivered_at",
    ]
    list_filter = ["status", "event"]
    actions = ["redeliver"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Redeliver"))
    def redeliver(self, request, queryset):
        for delivery in queryset:
            webhook_redeliver(delivery_id=delivery.pk)
        messages.success(request, _("Queued again."))


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "default_service", "resolve_incidents", "is_active"]
    readonly_fields = ["user", "created_by", "created_at"]

    def has_add_permission(self, request):
        return False  # registered on the Integrations page, which creates the service account


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "scope", "user", "prefix", "last_used_at", "revoked_at"]
    list_filter = ["kind", "scope"]
    readonly_fields = [f.name for f in ApiToken._meta.fields]

    def has_add_permission(self, request):
        return False  # created on the API tokens page: the secret is shown only there


@admin.register(AlertEvent)
class AlertEventAdmin(admin.ModelAdmin):
    list_display = ["key", "status", "integration", "received_at", "processed_at", "outcome"]
    list_filter = ["outcome", "status"]
    readonly_fields = [f.name for f in AlertEvent._meta.fields]

    def has_add_permission(self, request):
        return False
