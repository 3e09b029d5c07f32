"""Paginators for list pages and API lists whose tables grow without bound."""

import hashlib

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """Counts at most CAP rows: COUNT(*) over every matching row is the one cost of a list
    page that grows with the table. Past the cap the page says "10,000+" and offers the
    first CAP rows' pages; a filter or the sort order narrows the rest.

    A query found past the cap is remembered as such for CAPPED_SECONDS (by its SQL, which
    holds the filters and whose rows the user may see), so a busy queue is not counted to
    10,001 on every request; counts under the cap are always exact."""

    CAP = 10_000
    CAPPED_SECONDS = 60

    @cached_property
    def count(self) -> int:
        counting = self.object_list.order_by()
        try:
            sql = str(counting.values("pk").query)  # the filters without the columns
            key = "capped:{cap}:{sql}".format(
                cap=self.CAP, sql=hashlib.sha256(sql.encode()).hexdigest()
            )
        except EmptyResultSet:  # .none(): nothing to count
            return 0
        if cache.get(key):
            self.capped = True
            return self.CAP
        counted = counting[: self.CAP + 1].count()
        self.capped = counted > self.CAP
        if self.capped:
            cache.set(key, True, self.CAPPED_SECONDS)
        return min(counted, self.CAP)

    capped = False
