"""Rows that change nothing, told without parsing them whole.

Most rows of a re-import (a dataset loaded again, an export imported back)
change nothing. Parsing each such row into a ParsedRow, building its model
instance and comparing the two costs more than the rest of the import. Here
the row's cells are read by the parser's own readers (the same states on
the row's date, the same dates, choices and sources), and what they give is
compared with what the record holds: its fields, the targets of its
relations, its identifiers and its citations.

The parser stays the judge: a row is taken as unchanged only when every
reading equals what the record holds; any doubt (a cell a reader refuses, a
column of a kind this does not compare, a record not found by its slug)
sends the row to the parser. So this can only save time: its answer is
always the parser's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from diplomacy.importing.lookups import InlineSource, Lookups
from diplomacy.importing.reading import as_text
from diplomacy.importing.specs import Spec
from diplomacy.importing.values import CellError
from diplomacy.validators import CONTROL_CHARACTER

# Readers that set the row's citation, compared together once the row's
# cells are read (Spec.cite).
CITATION_READERS = frozenset({"source", "source_text", "source_date", "quote", "locator"})
# Readers of the row's identifiers, compared together (a ``unts`` column
# beside ``identifiers`` wins).
IDENTIFYING_READERS = frozenset({"identifier", "identifiers"})
# The plans kept: a CSV file has one header, but each object of a JSON file
# may name its own set of columns (a hostile file, a million of them).
MAX_PLANS = 256


@dataclass(frozen=True)
class UnchangedRow:
    """A row found to change nothing: what the check of repeats within the
    file needs of it (diplomacy.importing.importer.FileKeys)."""

    line: int
    slug: str
    identifiers: tuple[tuple[str, str], ...]


@dataclass
class Held:
    """What the register holds of one record: its field values by attname
    (with ``is_published``), the targets of each relation, its identifiers
    as (scheme, value) and its citations as (source pk, quote, locator)."""

    values: dict
    relations: dict[str, set[int]]
    identifiers: set[tuple[str, str]]
    citations: set[tuple[int, str, str]]


@dataclass(frozen=True)
class Plan:
    """How the rows of one header are read: the columns with their readers,
    in the order the parser reads them, and the model fields the readers may set."""

    columns: tuple[tuple[str, Callable], ...]
    fields: tuple[str, ...]


class UnchangedRows:
    def __init__(self, spec: Spec, lookups: Lookups, publish: bool):
        self.spec = spec
        self.lookups = lookups
        self.publish = publish
        # The rows of a file have the same columns: each header's plan once.
        self._plans: dict[frozenset, Plan | None] = {}

    def columns(self, header) -> list[str]:
        """The model fields a file of this header is compared on."""
        plan = self._plan(tuple(header))
        return [] if plan is None else list(plan.fields)

    def find(self, raw: dict, line: int, held: dict[str, Held]) -> UnchangedRow | None:
        """The row as an UnchangedRow when it changes nothing of the record
        its slug names (``held`` by slug), else None (the parser decides)."""
        plan = self._plan(tuple(raw))
        if plan is None:
            return None
        spec = self.spec
        cells = {name: as_text(raw[name]) for name in raw if name in spec.readers}
        record = held.get(cells.get("slug", "").lower())
        if record is None or CONTROL_CHARACTER.search("\t".join(cells.values())):
            return None
        if self.publish and not record.values["is_published"]:
            return None
        fields: dict = {}
        relations: dict = {}
        try:
            # On the parser's date: the row's, else the record's stored one
            # (read for the batch once, for the parser too: Lookups.load_stored_dates).
            stored = self.lookups.stored_dates.get(cells.get("slug", "").lower())
            extras: dict = {"on": spec.codes_on(cells, stored)}
            for column, read in plan.columns:
                read(column, cells[column], fields, relations, extras, self.lookups)
            values = record.values
            if any(values[name] != value for name, value in fields.items()):
                return None
            if any(set(ids) != record.relations[name] for name, ids in relations.items()):
                return None
        except (CellError, KeyError):
            # KeyError: a field or relation not read for this row's columns.
            return None
        identifiers = self._identifiers(extras.get("identifiers", {}), record)
        if identifiers is None:
            return None
        if spec.cite(extras, cells) or not self._cites(extras.get("citation"), record):
            return None
        return UnchangedRow(line, record.values["slug"], identifiers)

    def _plan(self, header: tuple) -> Plan | None:
        """How rows of this header are read; None when they go to the parser
        whatever their cells (no slug, a column the import does not know)."""
        key = frozenset(header)  # read in the parser's order: the set is what counts
        if key in self._plans:
            return self._plans[key]
        spec = self.spec
        plan = None
        if "slug" in header and set(header) <= spec.readers.keys() | spec.readers_only:
            attnames = {field.attname for field in spec.model._meta.concrete_fields}
            # In the parser's order (a date before its precision), not the file's.
            read = [column for column in spec.readers if column in header]
            # What a field's reader sets: the field, its precision, its key.
            fields = {
                name
                for column in read
                for name in (column, f"{column}_precision", f"{column}_id")
                if name in attnames
            }
            plan = Plan(
                tuple((column, spec.reader(column)) for column in read),
                ("id", "slug", "is_published", *sorted(fields)),
            )
        if len(self._plans) < MAX_PLANS:
            self._plans[key] = plan
        return plan

    def _identifiers(self, given: dict, record: Held) -> tuple | None:
        """The row's identifiers as (scheme, value); None unless the record
        has each of them and none of the registers the row clears."""
        for scheme, value in given.items():
            have = [held for s, held in record.identifiers if s == scheme]
            if (value not in have) if value else have:
                return None
        return tuple(sorted((scheme, value) for scheme, value in given.items() if value))

    def _cites(self, citation, record: Held) -> bool:
        """Whether the record has the row's citation already (or the row has none)."""
        if citation is None:
            return True
        source, quote, locator = citation
        if isinstance(source, InlineSource):
            source = self.lookups.inline_source(source)
            if source is None:
                return False  # a source the import would create
        return (source, quote, locator) in record.citations
