"""The API's pagination: DRF's face on ``diplomacy.pagination``'s keyset pages.

The pages, their order and the checks of a cursor or page size are the list
pages' (``diplomacy.pagination``); this class reads the parameters from the
request, turns a ``PaginationError`` into DRF's 400 naming the parameter, and
says what the schema documents.
"""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from diplomacy.pagination import (
    CURSOR_PARAMETER,
    KeysetSort,
    PaginationError,
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
        return page.rows

    def get_paginated_response(self, data):
        return Response({"next": self.next_url, "previous": self.previous_url, "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
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
