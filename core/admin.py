from django.contrib import admin

from core.models import NumberSequence, OutboxMessage, ProcessedMessage


class ReadOnlyAdmin(admin.ModelAdmin):
    """Infrastructure rows are looked at, never edited by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["task", "created_at", "available_at", "sent_at", "attempts"]
    list_filter = ["task"]


@admin.register(NumberSequence)
class NumberSequenceAdmin(ReadOnlyAdmin):
    list_display = ["kind", "last"]


@admin.register(ProcessedMessage)
class ProcessedMessageAdmin(ReadOnlyAdmin):
    list_display = ["id", "task", "processed_at"]
