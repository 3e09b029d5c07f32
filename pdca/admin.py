from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from pdca.models import Cycle, Goal, ImprovementAction, Review, StrategicItem, Strategy


class GoalInline(admin.TabularInline):
    model = Goal
    extra = 0
    fields = ["name", "kpi", "target", "direction", "aged_days"]


@admin.register(Strategy)
class StrategyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "owner", "horizon_start", "horizon_end"]
    filter_horizontal = ["services"]
    readonly_fields = ["version", "created_at", "updated_at"]


@admin.register(Cycle)
class CycleAdmin(SimpleHistoryAdmin):
    list_display = ["name", "strategy", "start", "end", "review_days", "phase"]
    inlines = [GoalInline]
    readonly_fields = ["version", "created_at", "updated_at"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    """Reviews are snapshots: looked at, never edited."""

    list_display = ["cycle", "period_start", "period_end", "created_at", "on_demand"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(ImprovementAction)
class ImprovementActionAdmin(SimpleHistoryAdmin):
    list_display = ["title", "owner", "due_date", "status", "goal", "verdict"]
    list_filter = ["status", "verdict"]
    raw_id_fields = ["problem", "change", "source_finding"]
    readonly_fields = ["version", "created_at", "updated_at", "verdict", "verdict_at"]


@admin.register(StrategicItem)
class StrategicItemAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "raised_at", "decision", "decided_at"]
    list_filter = ["kind", "decision"]
    raw_id_fields = ["incident", "problem", "change", "goal", "finding", "action"]
