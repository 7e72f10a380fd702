"""The API's pagination: DRF's face on ``diplomacy.pagination``'s keyset pages.

The pages, their order and the checks of a cursor or page size are the list
pages' (``diplomacy.pagination``); this class reads the parameters from the
request, turns a ``PaginationError`` into DRF's 400 naming the parameter, and
says what the schema documents.
"""

import hashlib

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from diplomacy.caching import cached
from diplomacy.pagination import (
    CURSOR_PARAMETER,
    KeysetSort,
    PaginationError,
    approximate_count,
    count_label,
    keyset_page,
    page_size,
)


class KeysetPagination(BasePagination):
    """A page of ``page_size`` rows (1 to ``max_page_size``) from ``cursor``,
    in the order of the view's FilterSet (its ``keyset_orderings`` and
    ``keyset_default``), with links to the pages either side."""

    page_size = 25
    max_page_size = 200
    page_size_query_param = "page_size"
    cursor_query_param = CURSOR_PARAMETER

    def __init__(self):
        self.next_url = None
        self.previous_url = None
        self.counted = None

    def count(self, queryset) -> tuple[int, bool]:
        """(count, exact?) of the filtered set, as the site's lists count it
        (exact to a thousand, estimated beyond), kept until the data changes.
        The key is the set's SQL: the same filters for a reader and for an
        editor who also sees drafts are different sets."""
        key = hashlib.sha256(str(queryset.order_by().query).encode()).hexdigest()
        label = queryset.model._meta.label_lower
        return tuple(cached(f"api-count:{label}:{key}", lambda: approximate_count(queryset)))

    @staticmethod
    def sort_of(view) -> KeysetSort:
        filterset = view.filterset_class
        return KeysetSort(filterset.keyset_orderings, filterset.keyset_default)

    def paginate_queryset(self, queryset, request, view=None):
        params = request.query_params
        try:
            size = page_size(
                params.get(self.page_size_query_param),
                self.page_size_query_param,
                self.page_size,
                self.max_page_size,
            )
            page = keyset_page(
                queryset, params, request.build_absolute_uri(), self.sort_of(view), size
            )
        except PaginationError as exc:
            raise ValidationError({exc.parameter: [exc.message]}) from exc
        self.next_url, self.previous_url = page.next_url, page.previous_url
        self.counted = self.count(queryset)
        return page.rows

    def get_paginated_response(self, data):
        count, exact = self.counted
        return Response(
            {
                "count": count,
                "count_exact": exact,
                "count_label": count_label(count, exact),
                "next": self.next_url,
                "previous": self.previous_url,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["count", "count_exact", "count_label", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "How many records match: exact up to 1,000, "
                    "the database's estimate beyond (see count_exact).",
                },
                "count_exact": {"type": "boolean", "description": "Whether count is exact."},
                "count_label": {
                    "type": "string",
                    "description": "The count as the site shows it: '1,234', 'about 1,200,000'.",
                    "example": "about 1,200,000",
                },
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The pagination cursor, from a 'next' or 'previous' link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Results per page (1 to {self.max_page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
