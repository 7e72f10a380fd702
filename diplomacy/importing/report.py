"""What an import tells its user: counts, a preview of the changes, the
errors (each, and grouped by column and problem), probable duplicates, and the
reject file of the rows refused. Every import kind reports through these."""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import ijson

from diplomacy.importing.reading import (
    FORMULA_STARTS,
    items_prefix,
    json_events,
    numbered,
    open_json,
    open_text,
    sniff_delimiter,
)

PREVIEW_LENGTH = 200
# An all-or-nothing import stops reading after this many errors; an import
# that skips invalid rows reads on, keeps this many and counts the rest.
MAX_ERRORS = 1000
GROUP_EXAMPLES = 5
GROUP_VALUES = 10
# An import that saves row by row (memberships, commitments) reports its
# progress this often while it writes: a job that reports nothing for long
# is taken for one whose worker died (diplomacy.jobs.fail_if_stalled).
PROGRESS_ROWS = 500


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str
    # (problem, value) pairs behind the message, e.g. ("unknown codes", "300"),
    # so that the report counts each value over the file.
    values: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        return f"line {self.line}, {self.field}: {self.message}"


@dataclass(frozen=True)
class ErrorGroup:
    """Errors of one column and one problem, over the whole file."""

    column: str
    headline: str
    count: int  # rows
    examples: tuple[int, ...]  # the first lines

    def __str__(self) -> str:
        lines = ", ".join(str(line) for line in self.examples if line)
        more = ", …" if self.count > len(self.examples) else ""
        return f"{self.headline}" + (f" (lines {lines}{more})" if lines else "")


@dataclass(frozen=True)
class ProbableDuplicate:
    """A row that probably describes a record the register has under another slug."""

    line: int
    slug: str
    existing_slug: str
    existing_url: str
    merged: bool = False

    def __str__(self) -> str:
        what = "merged into" if self.merged else "probably the same as"
        return f"line {self.line}, {self.slug}: {what} {self.existing_slug} ({self.existing_url})"


@dataclass(frozen=True)
class PreviewRow:
    """What the import does to one record; for an update, the columns it changes."""

    line: int
    slug: str
    action: str  # create, update or unchanged
    changes: tuple[str, ...] = ()

    def __str__(self) -> str:
        changes = f": {', '.join(self.changes)}" if self.changes else ""
        return f"line {self.line}, {self.slug}: {self.action}{changes}"


class _Group:
    __slots__ = ("column", "lines", "message", "problem", "rows", "values")

    def __init__(self, column, problem, message):
        self.column, self.problem, self.message = column, problem, message
        self.rows = 0
        self.lines: list[int] = []
        self.values: Counter = Counter()


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)
    # The first PREVIEW_LENGTH records the import creates or updates.
    preview: list[PreviewRow] = field(default_factory=list)
    written: bool = False
    skip_invalid: bool = False
    # Rows refused (with --skip-invalid, not written), and where they went.
    rejected: int = 0
    reject_path: Path | None = None
    # Rows that probably repeat a record the register has (SPEC: duplicates).
    probable_duplicates: list[ProbableDuplicate] = field(default_factory=list)
    merged: int = 0
    error_count: int = 0
    _groups: dict = field(default_factory=dict, repr=False)
    _error_lines: set = field(default_factory=set, repr=False)

    @property
    def ok(self) -> bool:
        """Nothing stops the import: no error, or (skipping invalid rows)
        only rows' errors, which the reject file carries."""
        if self.skip_invalid:
            return not any(error.line == 0 for error in self.errors)
        return not self.errors

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS or error.line == 0:
            self.errors.append(error)
        if error.line:
            self._error_lines.add(error.line)
        problems = {problem for problem, _ in error.values} or {None}
        for problem in problems:
            key = (error.field, problem or error.message)
            group = self._groups.get(key)
            if group is None:
                group = self._groups[key] = _Group(error.field, problem, error.message)
            if not group.lines or group.lines[-1] != error.line:
                group.rows += 1
                if len(group.lines) < GROUP_EXAMPLES:
                    group.lines.append(error.line)
            group.values.update(value for p, value in error.values if p == problem)

    def refuse(self, errors: list[RowError], raw: dict | None = None, rejects=None) -> None:
        """A row not imported: its errors reported, and the row, with them as
        its reason, put in the reject file when there is one."""
        for error in errors:
            self.add_error(error)
        self.rejected += 1
        if rejects is not None and raw is not None:
            line = min((e.line for e in errors), default=0)
            rejects.add(raw, "; ".join(f"{e.field}: {e.message}" for e in errors), line)

    def count(self, action: str, line: int, name: str, changes=()) -> None:
        """A record the file creates, updates or leaves unchanged: counted, and
        (created or updated) in the preview with the columns it changes."""
        if action == "unchanged":
            self.unchanged += 1
            return
        if action == "create":
            self.created += 1
        else:
            self.updated += 1
        if len(self.preview) < PREVIEW_LENGTH:
            self.preview.append(PreviewRow(line, name, action, tuple(changes)))

    def uncount(self, action: str, line: int) -> None:
        """A row counted, then refused before it was written."""
        if action == "create":
            self.created -= 1
        elif action == "update":
            self.updated -= 1
        self.preview = [row for row in self.preview if row.line != line]

    def forget_changes(self) -> None:
        """Nothing will be written (the file has errors): no change to show."""
        self.created = self.updated = self.unchanged = 0
        self.preview = []

    @property
    def error_rows(self) -> int:
        return len(self._error_lines)

    def grouped_errors(self) -> list[ErrorGroup]:
        """The errors by column and problem, the commonest first: "parties: 2
        unknown codes in 119 rows — 300 x80, 315 x39" (with a multiplication
        sign), with the first lines."""
        groups = []
        for group in self._groups.values():
            rows = f"{group.rows:,} row{'s' if group.rows != 1 else ''}"
            if group.values and group.problem and group.problem.startswith("unknown "):
                counted = ", ".join(
                    f"{value} ×{count}"  # noqa: RUF001 (a multiplication sign, as meant)
                    for value, count in group.values.most_common(GROUP_VALUES)
                )
                more = ", …" if len(group.values) > GROUP_VALUES else ""
                headline = (
                    f"{group.column}: {len(group.values)} {group.problem} in {rows} — "
                    f"{counted}{more}"
                )
            elif group.values:
                values = ", ".join(group.values)
                headline = f"{group.column}: {group.problem} ({values}; {rows})"
            else:
                headline = f"{group.column}: {group.message} ({rows})"
            groups.append(ErrorGroup(group.column, headline, group.rows, tuple(group.lines)))
        return sorted(groups, key=lambda g: (-g.count, g.column, g.headline))

    def summary(self) -> str:
        # A report with errors that stop the import says "nothing was written"
        # below; any other import that was run, even one with nothing left to
        # write (every row refused or unchanged), says what it did.
        verb = "would be" if self.dry_run else "were"
        duplicates = (
            f" {len(self.probable_duplicates)} row(s) probably repeat a record the register has"
            f"{f' ({self.merged} merged)' if self.merged else ''}."
            if self.probable_duplicates
            else ""
        )
        counts = (
            f"{self.created} {verb} created, {self.updated} {verb} updated, "
            f"{self.unchanged} unchanged, {self.duplicates} duplicate row(s) skipped"
        )
        if self.errors and self.skip_invalid and self.ok:
            where = f" (in {self.reject_path})" if self.reject_path else ""
            refused = "would be refused" if self.dry_run else f"were refused{where}"
            return f"{self.rows} row(s): {counts}; {self.rejected} {refused}.{duplicates}"
        if self.errors:
            lines = self.error_rows
            found = (
                f"{self.error_count} error{'s' if self.error_count != 1 else ''} "
                f"in {lines} row{'s' if lines != 1 else ''} of {self.rows}"
            )
            return (
                f"{found}: fix them before importing."
                if self.dry_run
                else f"{found}: nothing was written."
            )
        return f"{self.rows} row(s): {counts}.{duplicates}"


class RejectWriter:
    """The refused rows, in the input's format and order, each with its
    ``reason``: the file to fix and import again. Opened at the first refused
    row.

    A row is written as the reader handed it over, but for a row the reader
    could not read whole (its ``__error__``: a CSV row of more or fewer cells
    than the header, a JSON object with a key given twice, a JSON item that is
    not an object): that row is read again from the file imported, as it was
    written there, so that the reject file keeps all of it and imported again
    unchanged it is refused again (a CSV row cut short, padded to the header,
    would clear the fields of the columns it lacks; a JSON object keeping one
    of its two values would be imported).

    Rows are held until ``flush`` (the importers call it after each batch,
    ``close`` at the end) and written in the order of their lines: the
    refusals of a batch come from several checks, each in its own turn."""

    def __init__(self, path: Path, file_format: str, source: Path | None = None):
        self.path, self.format = path, file_format
        self.handle = None
        self.writer = None
        self.fields: list[str] = []
        self.count = 0
        self.pending: list[tuple[int, dict, str]] = []
        self.originals = _Originals(source, file_format) if source is not None else None

    def add(self, raw: dict, reason: str, line: int = 0) -> None:
        self.pending.append((line, raw, reason))

    def flush(self) -> None:
        # Sorted by line alone: rows of one line keep the order they came in.
        self.pending.sort(key=lambda entry: entry[0])
        for line, raw, reason in self.pending:
            self._write(line, raw, reason)
        self.pending = []

    def _write(self, line: int, raw: dict, reason: str) -> None:
        original = None
        if "__error__" in raw and line and self.originals is not None:
            original = self.originals.get(line)
        if self.handle is None:
            # Open across calls, one row at a time; close() ends it.
            self.handle = open(self.path, "w", encoding="utf-8", newline="")  # noqa: SIM115
            if self.format == "json":
                self.handle.write("[\n")
        row = {key: value for key, value in raw.items() if key not in ("__error__", "reason")}
        if self.format == "json":
            if self.count:
                self.handle.write(",\n")
            if original is None:
                self.handle.write(json.dumps({**row, "reason": reason}, ensure_ascii=False))
            else:
                self.handle.write(_json_text(_with_reason(original, reason)))
        else:
            if self.writer is None:
                self.writer = csv.writer(self.handle)
                self.fields = list(row)
                self.writer.writerow([*self.fields, "reason"])
            if original is None:
                cells = [_csv_cell(row.get(name, "")) for name in self.fields]
                self.writer.writerow([*cells, reason])
            else:
                self.writer.writerow(self._cells(raw, original, reason))
        self.count += 1

    def _cells(self, raw: dict, original: list[str], reason: str) -> list[str]:
        """A CSV row of the wrong length as it was, with the reason in its
        column when the row reaches it, else after its last cell: so it stays
        too long or too short, and a reject file imported again gives its
        reason back in the same place (where it is taken from here)."""
        cells = [_csv_cell(cell.strip()) for cell in original]
        header = [key for key in raw if key != "__error__"]
        if "reason" in header:
            # A reject file imported again: its earlier reason is not the row's.
            # It was written in its column when the row reached it, else last.
            at = header.index("reason")
            cells = cells[:at] + cells[at + 1 :] if len(cells) > at else cells[:-1]
        columns = len(self.fields)
        return [*cells[:columns], reason, *cells[columns:]]

    def close(self) -> Path | None:
        self.flush()
        if self.originals is not None:
            self.originals.close()
        if self.handle is None:
            return None
        if self.format == "json":
            self.handle.write("\n]\n")
        self.handle.close()
        return self.path


class _Originals:
    """The rows of the file imported as written there, read again forward
    only, as far as the last refused row the reader could not read whole:
    never the whole file in memory."""

    def __init__(self, path: Path, file_format: str):
        self.path, self.format = path, file_format
        self.rows = None
        self.current: tuple[int, object] | None = None
        self.handle = None

    def get(self, line: int):
        """The row (CSV: its cells; JSON: the item, objects as _Pairs) at
        ``line``; None when it cannot be read again."""
        try:
            if self.rows is None:
                self.rows = self._csv() if self.format == "csv" else self._json()
            while self.current is None or self.current[0] < line:
                self.current = next(self.rows)
        except Exception:
            self.rows = iter(())
            return None
        return self.current[1] if self.current[0] == line else None

    def _csv(self):
        # The reader's own steps (reading.py), for the same lines and cells.
        self.handle = open_text(self.path)
        delimiter = sniff_delimiter(self.handle.read(64 * 1024).lstrip("\r\n"))
        self.handle.seek(0)
        header = False
        for line, cells in numbered(csv.reader(self.handle, delimiter=delimiter, strict=True)):
            if not any(cell.strip() for cell in cells):
                continue
            if header:
                yield line, cells
            header = True

    def _json(self):
        prefix = items_prefix(self.path)
        self.handle = open_json(self.path)
        items = ijson.items(json_events(self.handle), prefix, map_type=_Pairs)
        yield from enumerate(items, start=1)

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()


class _Pairs(dict):
    """A JSON object read again with each of its keys, a key given twice too."""

    def __init__(self):
        super().__init__()
        self.pairs: list[tuple[str, object]] = []

    def __setitem__(self, key, value):
        self.pairs.append((key, value))
        super().__setitem__(key, value)


def _with_reason(item, reason: str):
    """An object with the reason as its last key (an earlier reason dropped);
    an item that is not an object as it is: it cannot hold one, and says
    itself what is wrong with it."""
    if not isinstance(item, _Pairs):
        return item
    kept = _Pairs()
    for key, value in item.pairs:
        if str(key).strip().lower() != "reason":
            kept[key] = value
    kept["reason"] = reason
    return kept


def _json_text(value) -> str:
    if isinstance(value, _Pairs):
        pairs = (f"{_json_text(str(key))}: {_json_text(item)}" for key, item in value.pairs)
        return "{" + ", ".join(pairs) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_json_text(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _csv_cell(value) -> str:
    # As the register's CSV downloads write it: a cell a spreadsheet would run
    # as a formula gets an apostrophe, which the import drops when reading it back.
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in FORMULA_STARTS else text


def reject_writer(
    path: Path, file_format: str, reject_path, skip_invalid: bool, dry_run: bool
) -> RejectWriter | None:
    """Where an import that skips invalid rows puts them (``reject_path``, or
    NAME.rejects.csv or .json next to the file); None when nothing is skipped
    or written."""
    if not skip_invalid or dry_run:
        return None
    target = Path(reject_path or default_reject_path(path, file_format))
    return RejectWriter(target, file_format, source=Path(path))


def default_reject_path(path: Path, file_format: str) -> Path:
    """NAME.rejects.csv (or .json) next to the file imported; if that file
    exists (the rows of an earlier import, perhaps being fixed), never written
    over: NAME.rejects-2.csv, -3, and so on."""
    candidate = path.with_name(f"{path.stem}.rejects.{file_format}")
    number = 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.stem}.rejects-{number}.{file_format}")
    return candidate
