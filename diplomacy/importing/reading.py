"""Read rows from CSV (BOM, comma or semicolon, blank lines) or JSON, with line numbers."""

import csv
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import ijson
from django.conf import settings

# Our CSV exports put an apostrophe before a cell that starts with one of
# these, so a spreadsheet shows it as text instead of running it as a formula
# (OWASP "CSV injection"); reading such a file back drops that apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class FileFormatError(ValueError):
    """The file as a whole cannot be read; no row is considered."""


def open_text(path: Path):
    # utf-8-sig drops a byte-order mark written by spreadsheet programs.
    return open(path, encoding="utf-8-sig", newline="")


def sniff_delimiter(sample: str) -> str:
    header = sample.splitlines()[0] if sample else ""
    return ";" if header.count(";") > header.count(",") else ","


def read_csv(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of a CSV file; a file that cannot be read as CSV in UTF-8 is
    refused whole (FileFormatError), wherever the reading stops."""
    try:
        yield from _read_csv(path)
    except UnicodeDecodeError as exc:
        raise FileFormatError(
            "The file is not UTF-8 text: save it as UTF-8 (“CSV UTF-8” in Excel)."
        ) from exc
    except csv.Error as exc:
        # e.g. a cell over the field limit (_field_limit): longer than a whole upload.
        raise FileFormatError(f"The file cannot be read as CSV: {exc}.") from exc


def _field_limit() -> int:
    """The longest CSV cell read: as long as the largest upload
    (IMPORT_MAX_BYTES: a cell of it has at most that many characters), not
    csv's default 128 KiB, under which a long summary the register holds and
    downloads would not import back. (A C long: capped for 32-bit builds.)"""
    return min(max(settings.IMPORT_MAX_BYTES, 128 * 1024), 2**31 - 1)


def _read_csv(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    # The csv module's limit is the process's: set where every CSV is read.
    csv.field_size_limit(_field_limit())
    with open_text(path) as handle:
        sample = handle.read(64 * 1024)
        handle.seek(0)
        delimiter = sniff_delimiter(sample.lstrip("\r\n"))
        # Strict: a quote that is never closed, or text after a closing quote,
        # is an error. Else csv reads on: the rest of the file becomes one cell
        # and its rows are never seen, while the row it joins is imported.
        reader = csv.reader(handle, delimiter=delimiter, strict=True)
        header = None
        for line, row in numbered(reader):
            if not any(cell.strip() for cell in row):
                continue  # blank line
            if header is None:
                header = [cell.strip().lower() for cell in row]
                if len(set(header)) != len(header):
                    raise FileFormatError("The header row names a column twice.")
                continue
            # A row longer than the header (but for empty cells), or shorter: a
            # short row's missing cells, read as empty, would clear those fields.
            long = len(row) > len(header) and any(cell.strip() for cell in row[len(header) :])
            if long or len(row) < len(header):
                # The row's cells come along, for the reject file.
                cells = {
                    name: _cell(row[i]) if i < len(row) else "" for i, name in enumerate(header)
                }
                yield line, {**cells, "__error__": f"{len(row)} cells but {len(header)} columns."}
                continue
            yield line, {name: _cell(row[i]) for i, name in enumerate(header)}
        if header is None:
            raise FileFormatError("The file is empty: it has no header row.")


def numbered(reader) -> Iterator[tuple[int, list[str]]]:
    """The reader's rows, each with the line it starts on; a quoting error
    names the line of the row it is in, where the fix is."""
    while True:
        started = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise FileFormatError(
                    f"A quote opened in the row on line {started} is never closed, so the "
                    "rest of the file would be read as one cell: close it, and write a "
                    'quote inside a quoted cell as two ("").'
                ) from exc
            if "expected after" in str(exc):
                raise FileFormatError(
                    f"Text follows a closing quote in the row on line {started}: quote the "
                    'whole cell, and write a quote inside it as two ("").'
                ) from exc
            raise
        yield started, row


def _cell(text: str) -> str:
    text = text.strip()
    if text[:1] == "'" and text[1:2] in FORMULA_STARTS:
        return text[1:]
    return text


# The key that names a related record in the API's summaries, in the order
# tried: a party's state, a sector's or person's slug, a commitment's kind.
SUMMARY_KEYS = ("state", "iso2", "code", "slug", "kind", "value")


def _named(value):
    """A cell as the import reads it: a related record's summary (what the
    API writes: ``{"iso2": "UZ", "name": …, "url": …}``) becomes its key."""
    if isinstance(value, list):
        return [_named(item) for item in value]
    if not isinstance(value, dict):
        return value
    for key in SUMMARY_KEYS:
        if value.get(key):
            return value[key]
    # A former state has no iso2: its API address ends with its public code.
    url = value.get("url")
    if isinstance(url, str) and url.rstrip("/"):
        return url.rstrip("/").rsplit("/", 1)[-1]
    return value


def read_json(path: Path) -> Iterator[tuple[int, dict]]:
    """A JSON array of objects, ``{"records": [...]}``, or a page of the API's
    list (``{"results": [...]}``); the 'line' is the item's position. Read
    item by item (ijson), so a file of a million records takes the memory of
    one: json.load would hold all of it, several times the file's size."""
    try:
        prefix = items_prefix(path)
        with open_json(path) as handle:
            items = ijson.items(json_events(handle), prefix, map_type=_Object)
            for index, item in enumerate(items, start=1):
                if not isinstance(item, dict):
                    yield index, {"__error__": "This item is not an object."}
                    continue
                cells = {str(k).strip().lower(): _named(v) for k, v in item.items()}
                # A key given twice, as it is or once read ("Summary", "summary ").
                repeated = item.repeated
                if repeated is None and len(cells) < len(item):
                    repeated = _first_repeated_name(item)
                if repeated is not None:
                    message = f"The key “{str(repeated).strip().lower()}” is given twice."
                    cells["__error__"] = message
                yield index, cells
    except (ijson.JSONError, UnicodeDecodeError) as exc:
        raise FileFormatError(f"The file is not valid JSON: {_first_line(exc)}") from exc


class _Object(dict):
    """A JSON object as read: a key it gives twice is remembered (``repeated``)
    instead of the parser silently keeping its last value, as a CSV header
    that names a column twice is refused."""

    repeated = None

    def __setitem__(self, key, value):
        if key in self:
            self.repeated = key
        super().__setitem__(key, value)


def _first_repeated_name(item: dict) -> str | None:
    seen: set[str] = set()
    for key in item:
        name = str(key).strip().lower()
        if name in seen:
            return name
        seen.add(name)
    return None


def _first_line(exc: Exception) -> str:
    """The parser's reason, without the snippet of the file it may append
    (ijson's C parser gives it as bytes)."""
    reason = exc.args[0] if exc.args else exc
    if isinstance(reason, bytes):
        reason = reason.decode("utf-8", "replace")
    return str(reason).strip().splitlines()[0] if str(reason).strip() else type(exc).__name__


# Deeper than anything a record holds (an API page's record is four levels
# down at most). A file nested deeper is refused before it is read further:
# ijson names each event by its path, so 100,000 nested brackets (a 200 KB
# file) would take tens of gigabytes.
MAX_JSON_DEPTH = 32


def json_events(handle):
    """ijson's events of the file, refused (FileFormatError) past MAX_JSON_DEPTH.
    An integer comes as a Python int of any size, another number as a float
    (as json.load gives them). Not ijson's use_float: with it the C parser
    refuses an integer past 64 bits as "integer overflow", the whole file
    unread, where a cell is what is wrong (a 31-digit amount)."""
    return ijson.parse(_within_depth(ijson.basic_parse(handle)))


def _within_depth(events):
    depth = 0
    for event, value in events:
        if event in ("start_map", "start_array"):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise FileFormatError(f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep.")
        elif event in ("end_map", "end_array"):
            depth -= 1
        elif event == "number" and type(value) is Decimal:
            # A float, as use_float gives it: what a reject file writes back (json
            # cannot write a Decimal) and a cell reads (as_text: "1e+30").
            value = float(value)
        yield event, value


def open_json(path: Path):
    """The file as bytes (as ijson reads fastest), after a byte-order mark."""
    handle = open(path, "rb")  # noqa: SIM115 (the caller closes it)
    if handle.read(3) != b"\xef\xbb\xbf":
        handle.seek(0)
    return handle


def items_prefix(path: Path) -> str:
    """Where the records are: the top-level array, or the array under
    ``records`` or ``results`` (found in the first events of an object)."""
    with open_json(path) as handle:
        events = json_events(handle)
        first = next(events, None)
        if first is not None and first[1] == "start_array":
            return "item"
        if first is None or first[1] != "start_map":
            raise FileFormatError(SHAPE)
        key = None
        for prefix, event, value in events:
            if prefix == "" and event == "map_key":
                key = value
            elif prefix == key and key in ("records", "results") and event == "start_array":
                return f"{key}.item"
    raise FileFormatError(SHAPE)


SHAPE = 'The JSON must be an array of objects, {"records": [...]} or an API page.'


def detect_format(path: Path, declared: str | None = None) -> str:
    if declared:
        return declared
    if path.suffix.lower() == ".json":
        return "json"
    with open(path, "rb") as handle:
        start = handle.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
    return "json" if start[:1] in (b"[", b"{") else "csv"


def read_rows(path: Path, file_format: str | None = None):
    fmt = detect_format(path, file_format)
    if fmt == "json":
        return read_json(path)
    if fmt == "csv":
        return read_csv(path)
    raise FileFormatError(f"Unknown format {fmt!r}: use csv or json.")


def as_text(value) -> str:
    if type(value) is str:  # a CSV cell, the common case: first
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(as_text(v) for v in value)
    if isinstance(value, bool):
        # JSON's true and false, as the API writes them.
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value).strip()


def count_rows(path: Path, file_format: str) -> int | None:
    """About how many rows a CSV file has (its lines less the header), read
    as bytes for a progress bar; None for JSON."""
    if file_format != "csv":
        return None
    lines = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
    return max(lines - 1, 0)


__all__ = ["FileFormatError", "as_text", "count_rows", "read_rows"]
