"""Pagination whose cost does not grow with the table (SPEC 7, issue 6).

Counting every matching row on every request is what makes a list slow at a
million rows, so the count is exact up to ``COUNT_CAP`` rows (a bounded scan)
and beyond that an estimate from PostgreSQL's planner, shown as "about".
Numbered pages stop at ``MAX_PAGE`` (a bounded OFFSET); deeper pages follow
keyset cursors.
"""

import json

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

COUNT_CAP = 10_000
MAX_PAGE = 200


def estimate_count(queryset, floor: int) -> int:
    """The planner's row estimate for the query (PostgreSQL), never below ``floor``."""
    if connections[queryset.db].vendor != "postgresql":
        return floor
    try:
        plan = json.loads(queryset.order_by().explain(format="json"))
        estimate = int(plan[0]["Plan"]["Plan Rows"])
    except (ValueError, KeyError, IndexError, TypeError):
        return floor
    return max(estimate, floor)


class CappedCountPaginator(Paginator):
    cap = COUNT_CAP

    _exact = True

    @cached_property
    def count(self) -> int:
        exact = self.object_list.order_by()[: self.cap + 1].count()
        self._exact = exact <= self.cap
        return exact if self._exact else estimate_count(self.object_list, self.cap + 1)

    @property
    def is_exact(self) -> bool:
        return self.count is not None and self._exact

    @property
    def count_label(self) -> str:
        """'1,234', 'about 1,200,000' (planner estimate) or 'more than 10,000'."""
        if self.is_exact:
            return f"{self.count:,}"
        if self.count > self.cap + 1:
            return f"about {self.count:,}"
        return f"more than {self.cap:,}"

    @property
    def page_limit(self) -> int:
        return min(self.num_pages, MAX_PAGE) if self.is_exact else MAX_PAGE
