"""Paginators for list pages and API lists whose tables grow without bound."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """Counts at most CAP rows: COUNT(*) over every matching row is the one cost of a list
    page that grows with the table. Past the cap the page says "10,000+" and offers the
    first CAP rows' pages; a filter or the sort order narrows the rest."""

    CAP = 10_000

    @cached_property
    def count(self) -> int:
        counted = self.object_list.order_by()[: self.CAP + 1].count()
        self.capped = counted > self.CAP
        return min(counted, self.CAP)

    capped = False
