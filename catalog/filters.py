"""FilterSets shared by the UI lists and the API lists (NetBox)."""

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from catalog.choices import CiKind, Criticality, Lifecycle
from catalog.models import ConfigurationItem, Service, SupportGroup


class SearchFilterMixin(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    search_fields: tuple[str, ...] = ("name", "description")

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        query = Q()
        for field in self.search_fields:
            query |= Q(**{"{f}__icontains".format(f=field): value})
        return queryset.filter(query)


class ServiceFilterSet(SearchFilterMixin):
    lifecycle = django_filters.MultipleChoiceFilter(
        distinct=False, choices=Lifecycle.choices, label=_("Lifecycle")
    )
    criticality = django_filters.MultipleChoiceFilter(
        distinct=False, choices=Criticality.choices, label=_("Criticality")
    )
    support_group = django_filters.ModelChoiceFilter(
        queryset=SupportGroup.objects.all(), label=_("Support group")
    )
    ordering = django_filters.OrderingFilter(
        fields=(("name", "name"), ("criticality", "criticality"), ("lifecycle", "lifecycle"))
    )

    class Meta:
        model = Service
        fields = ["q", "lifecycle", "criticality", "support_group", "owner", "sla_policy"]


class ConfigurationItemFilterSet(SearchFilterMixin):
    kind = django_filters.MultipleChoiceFilter(
        distinct=False, choices=CiKind.choices, label=_("Kind")
    )
    service = django_filters.ModelChoiceFilter(
        field_name="services", queryset=Service.objects.all(), label=_("Service")
    )
    ordering = django_filters.OrderingFilter(fields=(("name", "name"), ("kind", "kind")))

    class Meta:
        model = ConfigurationItem
        fields = ["q", "kind", "service", "is_active"]


class SupportGroupFilterSet(SearchFilterMixin):
    ordering = django_filters.OrderingFilter(fields=(("name", "name"),))

    class Meta:
        model = SupportGroup
        fields = ["q", "is_active", "manager"]
