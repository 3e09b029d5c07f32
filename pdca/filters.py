"""FilterSets shared by the PDCA pages and the PDCA API lists."""

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pdca.choices import OPEN_ACTION_STATUSES, ActionStatus, Decision, StrategicKind, Verdict
from pdca.models import Cycle, Goal, ImprovementAction, Review, StrategicItem, Strategy

User = get_user_model()


class _Search(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    search_fields: tuple[str, ...] = ("name",)

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        query = Q()
        for field in self.search_fields:
            query |= Q(**{field + "__icontains": value})
        return queryset.filter(query)


class StrategyFilterSet(_Search):
    search_fields = ("name", "vision", "objectives")

    class Meta:
        model = Strategy
        fields = ["q", "owner"]


class CycleFilterSet(_Search):
    strategy = django_filters.ModelChoiceFilter(
        queryset=Strategy.objects.order_by("name"), label=_("Strategy")
    )

    class Meta:
        model = Cycle
        fields = ["q", "strategy", "phase"]


class GoalFilterSet(_Search):
    cycle = django_filters.ModelChoiceFilter(
        queryset=Cycle.objects.select_related("strategy").order_by("-start"), label=_("Cycle")
    )

    class Meta:
        model = Goal
        fields = ["q", "cycle", "kpi"]


class ActionFilterSet(_Search):
    search_fields = ("title", "description")
    status = django_filters.MultipleChoiceFilter(
        distinct=False, choices=ActionStatus.choices, label=_("Status")
    )
    verdict = django_filters.MultipleChoiceFilter(
        distinct=False, choices=Verdict.choices, label=_("Verdict")
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(is_active=True).order_by("username"), label=_("Owner")
    )
    goal = django_filters.ModelChoiceFilter(queryset=Goal.objects.all(), label=_("Goal"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    ordering = django_filters.OrderingFilter(
        fields=(("due_date", "due_date"), ("status", "status"), ("title", "title"))
    )

    class Meta:
        model = ImprovementAction
        fields = ["q", "status", "verdict", "owner", "goal", "overdue"]

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        overdue = Q(status__in=OPEN_ACTION_STATUSES, due_date__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class StrategicFilterSet(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(
        distinct=False, choices=StrategicKind.choices, label=_("Kind")
    )
    decided = django_filters.BooleanFilter(
        field_name="decided_at", lookup_expr="isnull", exclude=True, label=_("Decided")
    )
    decision = django_filters.MultipleChoiceFilter(
        distinct=False, choices=Decision.choices, label=_("Decision")
    )

    class Meta:
        model = StrategicItem
        fields = ["kind", "decided", "decision"]


class ReviewFilterSet(django_filters.FilterSet):
    cycle = django_filters.ModelChoiceFilter(
        queryset=Cycle.objects.select_related("strategy").order_by("-start"), label=_("Cycle")
    )

    class Meta:
        model = Review
        fields = ["cycle", "on_demand"]
