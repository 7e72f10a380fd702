"""CSV and JSON exports of the filtered lists, streamed row by row (never built
in memory).

Cells that a spreadsheet would run as a formula get a leading apostrophe (OWASP's
advice against CSV injection): a title such as ``=HYPERLINK(...)`` comes out as
``'=HYPERLINK(...)`` and is shown as text. Every column is text made by the
register; the one numeric column, a project's value, is never negative (a
database constraint), so no number is changed.

For analysts: each row also carries its page's absolute address, the names
beside the codes, the summary, identifiers, and every date's precision (new
columns come after the old ones, which scripts read by name and position);
the file is named for its filters (``treaties-az-uz-2024.csv``); ``excel=1``
starts the file with a byte-order mark, so Excel reads it as UTF-8.

Round trip: every file imports as it is (``import_records FILE --kind K``,
the kind in ``EXPORT_KINDS``), and exporting again what it imported gives the
same file. The columns an import reads have the import's names; the columns
for readers only (``url``, ``absolute_url``, the names beside the codes) are
recognised and ignored by the import. Rows come in the list's order, records
of the same date by slug (not by when they were created), so that order
survives an import into another register. The JSON file is an array of
objects with the CSV's columns as keys, lists as arrays.
"""

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connections, transaction
from django.http import StreamingHttpResponse
from django.utils.text import slugify

from diplomacy.models import StateCodes


def _date(record, field: str) -> str:
    value = record.partial(field)
    return value.iso if value else ""


def _precision(record, field: str) -> str:
    return getattr(record, f"{field}_precision") if getattr(record, field) else ""


def _join(items: Iterable, attr: str) -> list[str]:
    """A list column: joined by ``;`` in the CSV, an array in the JSON."""
    return [str(getattr(item, attr)) for item in items]


def _identifiers(treaty) -> list[str]:
    """``scheme:value`` per identifier (``other`` ones by their register's name)."""
    return [
        f"{(i.scheme_name if i.scheme == 'other' and i.scheme_name else i.scheme)}:{i.value}"
        for i in treaty.identifiers.all()
    ]


def ABSOLUTE_URL(record) -> str:
    """The record's page, with the scheme and host the request came by."""
    return record.get_absolute_url()


@dataclass(frozen=True)
class Codes:
    """A column of state codes, each the one the import reads back as the same
    state on the date the record's codes are read on (``codes_date``: a
    commitment's are its treaty's), as ``StateCodes.written_code`` chooses."""

    states: Callable  # the record's states, in order (one state or None: ``one``)
    dated: Callable = lambda record: record.codes_date()
    one: bool = False

    def write(self, record, codes: StateCodes):
        on = self.dated(record)
        if self.one:
            state = self.states(record)
            return codes.written_code(state.pk, on) if state is not None else ""
        return [codes.written_code(state.pk, on) for state in self.states(record)]


Column = tuple[str, Callable | Codes]

TREATY_COLUMNS: list[Column] = [
    ("slug", lambda t: t.slug),
    ("title", lambda t: t.title),
    ("short_title", lambda t: t.short_title),
    ("kind", lambda t: t.kind),
    ("status", lambda t: t.status),
    ("signed_on", lambda t: _date(t, "signed_on")),
    ("signed_on_precision", lambda t: t.signed_on_precision if t.signed_on else ""),
    ("place_signed", lambda t: t.place_signed),
    ("entry_into_force_on", lambda t: _date(t, "entry_into_force_on")),
    ("ended_on", lambda t: _date(t, "ended_on")),
    ("parties", Codes(lambda t: [row.state for row in t.party_rows])),
    ("sectors", lambda t: _join(t.sector_list, "slug")),
    ("full_text_url", lambda t: t.full_text_url),
    ("url", lambda t: t.get_absolute_url()),
    # Added for analysts (after the columns scripts already read).
    ("absolute_url", ABSOLUTE_URL),
    ("party_names", lambda t: _join((row.state for row in t.party_rows), "name")),
    ("summary", lambda t: t.summary),
    ("identifiers", _identifiers),
    ("entry_into_force_on_precision", lambda t: _precision(t, "entry_into_force_on")),
    ("ended_on_precision", lambda t: _precision(t, "ended_on")),
    # Commitment kinds (SPEC 3.11), each once, in the vocabulary's order.
    ("commitments", lambda t: list(dict.fromkeys(k.value for k in t.commitment_kinds))),
]
# What the added columns read beyond a list row: one more query per chunk of rows.
TREATY_PREFETCH = ("identifiers",)

VISIT_COLUMNS: list[Column] = [
    ("slug", lambda v: v.slug),
    ("title", lambda v: v.title),
    ("kind", lambda v: v.kind),
    ("level", lambda v: v.level),
    ("host", Codes(lambda v: v.host, one=True)),
    ("guest", Codes(lambda v: v.guest, one=True)),
    ("start_on", lambda v: _date(v, "start_on")),
    ("start_on_precision", lambda v: v.start_on_precision if v.start_on else ""),
    ("end_on", lambda v: _date(v, "end_on")),
    ("city", lambda v: v.city),
    ("principals", lambda v: _join(v.principals.all(), "slug")),
    ("url", lambda v: v.get_absolute_url()),
    ("absolute_url", ABSOLUTE_URL),
    ("host_name", lambda v: v.host.name),
    ("guest_name", lambda v: v.guest.name),
    ("end_on_precision", lambda v: _precision(v, "end_on")),
    ("summary", lambda v: v.summary),
]

PROJECT_COLUMNS: list[Column] = [
    ("slug", lambda p: p.slug),
    ("name", lambda p: p.name),
    ("kind", lambda p: p.kind),
    ("status", lambda p: p.status),
    ("states", Codes(lambda p: p.states.all())),
    ("sectors", lambda p: _join(p.sectors.all(), "slug")),
    ("city", lambda p: p.city),
    ("location_state", Codes(lambda p: p.location_state, one=True)),
    ("value_amount", lambda p: "" if p.value_amount is None else f"{p.value_amount:f}"),
    ("value_currency", lambda p: p.value_currency),
    ("value_note", lambda p: p.value_note),
    ("start_on", lambda p: _date(p, "start_on")),
    ("start_on_precision", lambda p: p.start_on_precision if p.start_on else ""),
    ("completion_on", lambda p: _date(p, "completion_on")),
    ("url", lambda p: p.get_absolute_url()),
    ("absolute_url", ABSOLUTE_URL),
    ("state_names", lambda p: _join(p.states.all(), "name")),
    ("location_state_name", lambda p: p.location_state.name if p.location_state else ""),
    ("completion_on_precision", lambda p: _precision(p, "completion_on")),
    ("description", lambda p: p.description),
]

# A treaty's parties over time (SPEC 3.10): the columns of the ``membership``
# import, one row per treaty and state.
MEMBERSHIP_COLUMNS: list[Column] = [
    ("treaty", lambda m: m.treaty.slug),
    ("state", Codes(lambda m: m.state, one=True)),
    ("mode", lambda m: m.consent_mode),
    ("joined", lambda m: _date(m, "consented_on")),
    ("in_force", lambda m: _date(m, "entry_into_force_on")),
    ("left", lambda m: _date(m, "left_on")),
    ("exit_kind", lambda m: m.exit_kind),
    ("note", lambda m: m.note),
]


def _source(commitment) -> str:
    """The source as an import names it: its URL, else its exact title; a
    draft source is not shown to the public, so it reads as none."""
    source = commitment.source
    if source is None or not source.is_published:
        return ""
    return source.url or source.title


# What treaties bind their parties to (SPEC 3.11): the columns of the
# ``commitment`` import, one row per commitment.
COMMITMENT_COLUMNS: list[Column] = [
    ("treaty", lambda c: c.treaty.slug),
    ("kind", lambda c: c.kind.value),
    ("article", lambda c: c.article),
    ("quote", lambda c: c.quote),
    ("conditions", lambda c: c.conditions),
    ("parties_bound", Codes(lambda c: c.parties_bound.all(), lambda c: c.treaty.codes_date())),
    ("source", _source),
    ("locator", lambda c: c.locator),
]

# The import kind (``import_records --kind``) each export's file is read back as.
EXPORT_KINDS = {
    "treaties": "treaty",
    "visits": "visit",
    "projects": "project",
    "memberships": "membership",
    "commitments": "commitment",
}


# What Excel, LibreOffice and Google Sheets read as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(cell):
    """The cell as a spreadsheet will show it, never as a formula it would run."""
    return "'" + cell if isinstance(cell, str) and cell.startswith(FORMULA_STARTS) else cell


class _Echo:
    def write(self, value: str) -> str:
        return value


def _values(record, columns: list[Column], site: str, codes: StateCodes) -> Iterator:
    for _, value in columns:
        if isinstance(value, Codes):
            yield value.write(record, codes)
        else:
            yield site + value(record) if value is ABSOLUTE_URL else value(record)


def _records(queryset):
    with without_statement_timeout(queryset.db):
        # chunk_size keeps memory flat and lets prefetches run per chunk.
        yield from queryset.iterator(chunk_size=1000)


def _rows(queryset, columns: list[Column], site: str = "", excel: bool = False) -> Iterator[str]:
    writer = csv.writer(_Echo())
    if excel:
        # The byte-order mark: Excel otherwise reads UTF-8 as the system's code page.
        yield "\ufeff"
    yield writer.writerow([name for name, _ in columns])
    codes = StateCodes()
    for record in _records(queryset):
        yield writer.writerow(
            [
                neutralised(";".join(value) if isinstance(value, list) else value)
                for value in _values(record, columns, site, codes)
            ]
        )


def _json_items(queryset, columns: list[Column], site: str = "") -> Iterator[str]:
    """A JSON array, one object per line (no formula guard: no spreadsheet reads it)."""
    names = [name for name, _ in columns]
    separator = "[\n"
    codes = StateCodes()
    for record in _records(queryset):
        yield separator + json.dumps(
            dict(zip(names, _values(record, columns, site, codes), strict=True)),
            ensure_ascii=False,
        )
        separator = ",\n"
    yield "[]\n" if separator == "[\n" else "\n]\n"


# The filters a file name tells, in this order: treaties-az-uz-2024.csv.
FILENAME_FILTERS = (
    ("party", ""),
    ("state", ""),
    ("guest", ""),
    ("host", "in-"),
    ("kind", ""),
    ("status", ""),
    ("sector", ""),
    ("year", ""),
    ("year_min", "from-"),
    ("year_max", "to-"),
    ("q", ""),
)
FILENAME_MAX_LENGTH = 120


def export_filename(name: str, params, extension: str = "csv") -> str:
    """``<name>[-<filter values>].csv``, the values lower case and safe in a file name."""
    parts = [name]
    for key, prefix in FILENAME_FILTERS:
        for value in params.getlist(key):
            slug = slugify(value)[:40]
            if slug:
                parts.append(prefix + slug)
    stem = "-".join(parts)[:FILENAME_MAX_LENGTH].rstrip("-")
    return f"{stem}.{extension}"


@contextmanager
def without_statement_timeout(using: str):
    """Lift PostgreSQL's statement timeout (``DATABASE_STATEMENT_TIMEOUT``) for the
    export: a whole filtered set, a million rows, takes minutes to stream.

    The export reads in one transaction, where ``SET LOCAL`` lifts the timeout
    until the transaction ends, whatever ends it, and where the server-side
    cursor streams its rows instead of first copying the whole set, as a cursor
    held past its transaction must. (Behind PgBouncer in transaction mode, the
    cursor also stays on one server connection.)
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=using, savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 0")
        yield


FORMATS = ("csv", "json")


def csv_response(
    queryset,
    columns: list[Column],
    filename: str,
    request=None,
    prefetch: tuple = (),
    file_format: str = "csv",
) -> StreamingHttpResponse:
    """The CSV (or JSON) of ``queryset``; with ``request``, absolute addresses
    and, for ``excel=1``, a byte-order mark."""
    site = request.build_absolute_uri("/").rstrip("/") if request is not None else ""
    excel = request is not None and request.GET.get("excel") in ("1", "true", "yes")
    if prefetch:
        queryset = queryset.prefetch_related(*prefetch)
    if file_format == "json":
        content, content_type = _json_items(queryset, columns, site), "application/json"
    else:
        content, content_type = _rows(queryset, columns, site, excel), "text/csv; charset=utf-8"
    response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
