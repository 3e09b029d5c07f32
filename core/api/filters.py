"""The API's filter backend: django-filter's, without the work when nothing is filtered."""

from django_filters.rest_framework import DjangoFilterBackend


class FilterBackend(DjangoFilterBackend):
    """A request that names none of the FilterSet's filters gets the queryset as it is:
    building and validating the FilterSet's form (a deep copy of every field) for nothing
    was a tenth of an unfiltered 50-row list's time. Named filters are validated as before
    (400 with the field errors)."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not any(
            name in request.query_params for name in filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)
