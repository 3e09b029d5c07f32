"""The problem FilterSet, shared by the problem list and the API."""

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from catalog.models import Service, SupportGroup
from core.forms import any_yes_no
from incidents.choices import Priority
from problems.choices import ProblemState
from problems.models import Problem


class ProblemFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    state = django_filters.MultipleChoiceFilter(
        distinct=False, choices=ProblemState.choices, label=_("State")
    )
    priority = django_filters.MultipleChoiceFilter(
        distinct=False, choices=Priority.choices, label=_("Priority")
    )
    service = django_filters.ModelChoiceFilter(
        queryset=Service.objects.order_by("name"), label=_("Service")
    )
    assignment_group = django_filters.ModelChoiceFilter(
        queryset=SupportGroup.objects.order_by("name"), label=_("Group")
    )
    known_error = django_filters.BooleanFilter(label=_("Known error"), widget=any_yes_no())
    ordering = django_filters.OrderingFilter(
        fields=(
            ("number", "number"),
            ("opened_at", "opened"),
            ("priority", "priority"),
            ("state", "state"),
        )
    )

    class Meta:
        model = Problem
        fields = ["q", "state", "priority", "service", "assignment_group", "known_error"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__iexact=value)
            | Q(title__icontains=value)
            | Q(description__icontains=value)
            | Q(root_cause__icontains=value)
            | Q(workaround__icontains=value)
        )
