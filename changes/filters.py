"""The change FilterSet, shared by the change list and the API."""

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from catalog.models import Service
from changes.choices import ChangeState, ChangeType, Risk
from changes.models import Change


class ChangeFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    state = django_filters.MultipleChoiceFilter(
        distinct=False, choices=ChangeState.choices, label=_("State")
    )
    change_type = django_filters.MultipleChoiceFilter(
        distinct=False, choices=ChangeType.choices, label=_("Type")
    )
    risk = django_filters.MultipleChoiceFilter(
        distinct=False, choices=Risk.choices, label=_("Risk")
    )
    service = django_filters.ModelChoiceFilter(
        queryset=Service.objects.order_by("name"), label=_("Service")
    )
    starts_after = django_filters.DateFilter(
        field_name="planned_start", lookup_expr="date__gte", label=_("Starts from")
    )
    starts_before = django_filters.DateFilter(
        field_name="planned_start", lookup_expr="date__lte", label=_("Starts to")
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("number", "number"),
            ("planned_start", "start"),
            ("opened_at", "opened"),
            ("state", "state"),
        )
    )

    class Meta:
        model = Change
        fields = ["q", "state", "change_type", "risk", "service", "starts_after", "starts_before"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__iexact=value)
            | Q(title__icontains=value)
            | Q(description__icontains=value)
            | Q(reason__icontains=value)
        )
