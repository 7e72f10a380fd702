"""Keyset (cursor) pagination on a sort key plus the primary key.

Each page is a range scan from the last row seen, so page 10,000 costs what page
1 costs (an OFFSET would read every row before it). The sort follows the
FilterSet's ``ordering`` parameter, with empty dates last and ``pk`` as the
tie-break, exactly as the HTML list orders them.

A cursor is whatever the client sends back, so it is checked as any input is:
a value the sort field could not hold (a date in year 99999, a word where a
date or amount belongs, a NUL, a key out of the integer range) is a 400 that
says so, like a ``page_size`` outside the documented 1 to ``max_page_size``.
"""

import base64
import binascii
import datetime
import decimal
import hashlib
import json
from collections import OrderedDict

from django.core.exceptions import ValidationError as ModelValidationError
from django.db.models import F, Q
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from diplomacy.caching import cached
from diplomacy.pagination import approximate_count, count_label
from diplomacy.paginator import positive_number

INVALID_CURSOR = "Invalid cursor: use the 'next' or 'previous' link of a response as it is."
# Primary keys are 64-bit integers on both databases; a larger one cannot be compared.
PK_RANGE = range(-(2**63), 2**63)


def invalid_cursor() -> ValidationError:
    return ValidationError({"cursor": [INVALID_CURSOR]})


def error_message(exc: ValidationError) -> str:
    """The messages of a pagination parameter's 400, as one sentence for a page."""
    detail = exc.detail
    if isinstance(detail, dict):
        return " ".join(str(message) for messages in detail.values() for message in messages)
    return " ".join(str(message) for message in detail)


def _encode(payload: dict) -> str:
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str) -> dict:
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise invalid_cursor() from exc
    if not isinstance(payload, dict):
        raise invalid_cursor()
    pk = payload.get("pk")
    if not isinstance(pk, int) or isinstance(pk, bool) or pk not in PK_RANGE:
        raise invalid_cursor()
    return payload


def _model_field(model, path: str):
    """The model field at the end of ``path`` (``a__b``) from ``model``."""
    field = None
    for part in path.split("__"):
        field = model._meta.get_field(part)
        model = field.related_model
    return field


def _cursor_value(model, path: str, value):
    """A cursor's sort value as the sort field holds it, or a 400: the row it
    names must be one that field could hold, or the query would fail on it."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise invalid_cursor()
    if isinstance(value, str):
        # No text column holds a NUL or a lone surrogate (neither can be stored).
        try:
            value.encode()
        except UnicodeEncodeError as exc:
            raise invalid_cursor() from exc
        if "\x00" in value:
            raise invalid_cursor()
    field = _model_field(model, path)
    try:
        parsed = field.to_python(value)
        field.run_validators(parsed)
    except (ModelValidationError, TypeError, ValueError, decimal.InvalidOperation) as exc:
        raise invalid_cursor() from exc
    return parsed


class KeysetPagination(BasePagination):
    page_size = 25
    max_page_size = 200
    page_size_query_param = "page_size"
    cursor_query_param = "cursor"

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

    # -- the sort ---------------------------------------------------------------

    def sort_of(self, request, view) -> tuple[str | None, bool]:
        """(field, descending) from the ``ordering`` parameter or the view's default."""
        allowed = getattr(view, "keyset_orderings", {})
        default = getattr(view, "keyset_default", "-pk")
        choice = request.query_params.get("ordering") or default
        if choice.lstrip("-") not in allowed and choice.lstrip("-") != "pk":
            choice = default
        name = choice.lstrip("-")
        field = None if name == "pk" else allowed[name]
        return field, choice.startswith("-")

    def get_page_size(self, request) -> int:
        """The ``page_size`` asked for: 1 to ``max_page_size`` (as the schema
        says), else a 400; none, or no such parameter (the HTML pages), the default."""
        if not self.page_size_query_param:
            return self.page_size
        raw = request.query_params.get(self.page_size_query_param)
        if not raw:
            return self.page_size
        size = positive_number(raw)
        if size is not None and size <= self.max_page_size:
            return size
        raise ValidationError(
            {
                self.page_size_query_param: [
                    f"Give a whole number from 1 to {self.max_page_size}, not “{raw[:20]}”."
                ]
            }
        )

    # -- the page ---------------------------------------------------------------

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size_value = self.get_page_size(request)
        field, descending = self.sort_of(request, view)
        self.field, self.descending = field, descending
        self.counted = self.count(queryset)

        token = request.query_params.get(self.cursor_query_param)
        cursor = _decode(token) if token else None
        if cursor is not None and field is not None and cursor.get("v") is not None:
            cursor["v"] = _cursor_value(queryset.model, field, cursor["v"])
        backwards = bool(cursor and cursor.get("r"))

        # Walking backwards reads the rows before the cursor in reverse order,
        # so the direction flips and empty values come first instead of last.
        walk_desc = descending != backwards
        nulls_last = not backwards
        queryset = queryset.order_by(*self.ordering(field, walk_desc, nulls_last))
        wanted = self.page_size_value + 1
        if cursor is None:
            rows = list(queryset[:wanted])
        else:
            segment, spill = self.rows_after(field, walk_desc, nulls_last, cursor)
            rows = list(queryset.filter(segment)[:wanted])
            if spill is not None and len(rows) < wanted:
                rows += list(queryset.filter(spill)[: wanted - len(rows)])
        has_more = len(rows) > self.page_size_value
        rows = rows[: self.page_size_value]
        if backwards:
            rows.reverse()

        self.next_url = self.previous_url = None
        if rows:
            if has_more or backwards:
                self.next_url = self.cursor_link(rows[-1], reverse=False)
            if cursor is not None and (has_more or not backwards):
                self.previous_url = self.cursor_link(rows[0], reverse=True)
        return rows

    def ordering(self, field, descending, nulls_last):
        pk = "-pk" if descending else "pk"
        if field is None:
            return [pk]
        nulls = {"nulls_last": True} if nulls_last else {"nulls_first": True}
        expression = F(field).desc(**nulls) if descending else F(field).asc(**nulls)
        return [expression, pk]

    def rows_after(self, field, descending, nulls_last, cursor) -> tuple[Q, Q | None]:
        """Rows strictly after the cursor in the walk order, as two segments.

        The first is a range the ordered index can scan; the second (empty
        dates, which sort at one end) is read only when the first runs out.
        An OR of the two would make PostgreSQL read the whole table.
        """
        pk_after = Q(pk__lt=cursor["pk"]) if descending else Q(pk__gt=cursor["pk"])
        if field is None:
            return pk_after, None
        is_null = Q(**{f"{field}__isnull": True})
        value = cursor.get("v")
        if value is None:
            among_nulls = is_null & pk_after
            return among_nulls, (None if nulls_last else ~is_null)
        op = "lt" if descending else "gt"
        in_range = Q(**{f"{field}__{op}e": value}) & (Q(**{f"{field}__{op}": value}) | pk_after)
        return in_range, (is_null if nulls_last else None)

    def cursor_link(self, row, reverse: bool) -> str:
        value = None
        if self.field is not None:
            value = row
            for part in self.field.split("__"):
                value = getattr(value, part, None)
            if isinstance(value, datetime.date):
                value = value.isoformat()
            elif value is not None and not isinstance(value, int | float | str):
                value = str(value)
        payload = {"v": value, "pk": row.pk}
        if reverse:
            payload["r"] = 1
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, _encode(payload))

    def link_after(self, request, view, row) -> str:
        """The cursor link to the rows after ``row`` in the view's order (for deep HTML pages)."""
        self.request = request
        self.field, self.descending = self.sort_of(request, view)
        return self.cursor_link(row, reverse=False)

    def get_paginated_response(self, data):
        count, exact = self.counted
        return Response(
            OrderedDict(
                [
                    ("count", count),
                    ("count_exact", exact),
                    ("count_label", count_label(count, exact)),
                    ("next", self.next_url),
                    ("previous", self.previous_url),
                    ("results", data),
                ]
            )
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


def first_page_url(request) -> str:
    return remove_query_param(request.build_absolute_uri(), "cursor")
