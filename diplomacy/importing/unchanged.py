"""Rows that change nothing, told without parsing them.

Most rows of a re-import (a dataset loaded again, an export imported back)
change nothing. Parsing each such row and comparing it with its record costs
more than the rest of the import; here each cell of a row whose record exists
is compared with what the record holds, in the cell's own terms: text as it
is, a date read by the one date reader, a list of state codes or sectors as
the set of records it names on the row's date, an identifier and a source
citation as the register has them.

The parser stays the judge: a row is taken as unchanged here only when every
cell reads as exactly what the record holds, and any doubt (a column this
does not compare, a cell the parser would refuse, a value the parser would
read another way) sends the row to the parser. So this can only save time;
its answer is always the parser's.
"""

from __future__ import annotations

from dataclasses import dataclass

from diplomacy.importing.lookups import InlineSource, Lookups, record_date
from diplomacy.importing.reading import as_text
from diplomacy.importing.specs import Spec
from diplomacy.importing.values import CellError, partial_date, split_list
from diplomacy.validators import CONTROL_CHARACTER

# Readers whose column is a choice field of the same name.
CHOICE_READERS = frozenset({"kind", "status", "level"})
# Readers that set the row's citation, compared together once the row's
# cells are read (Spec.cite).
CITATION_READERS = frozenset({"source", "quote", "locator", "source_text", "source_date"})
# Readers of the row's identifiers, compared together (a ``unts`` column
# beside ``identifiers`` wins).
IDENTIFYING_READERS = frozenset({"identifier", "identifiers"})


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


class UnchangedRows:
    def __init__(self, spec: Spec, lookups: Lookups, publish: bool):
        self.spec = spec
        self.lookups = lookups
        self.publish = publish
        # The rows of a file have the same columns: each header's plan once.
        self._plans: dict[tuple, tuple | None] = {}
        # A file cites a few sources many times: each one's cells read once.
        self._sources: dict[tuple, dict | CellError] = {}

    def columns(self, header) -> list[str]:
        """The model fields a file of this header is compared on."""
        plan = self._plan(tuple(header))
        return [] if plan is None else plan[2]

    def find(self, raw: dict, line: int, held: dict[str, Held]) -> UnchangedRow | None:
        """The row as an UnchangedRow when it changes nothing of the record
        its slug names (``held`` by slug), else None (the parser decides)."""
        plan = self._plan(tuple(raw))
        if plan is None:
            return None
        compared, citing, _, identifying = plan
        spec = self.spec
        cells = {name: as_text(raw[name]) for name in raw if name in spec.readers}
        record = held.get(cells.get("slug", "").lower())
        if record is None or CONTROL_CHARACTER.search("\t".join(cells.values())):
            return None
        if self.publish and not record.values["is_published"]:
            return None
        on = record_date(cells.get(spec.date_field, ""))
        try:
            for column, same in compared:
                if not same(column, cells[column], record, on):
                    return None
            extras = self._source_cells(citing[0], cells)
            for column in citing[1]:
                spec.read(column, cells, {}, {}, extras, self.lookups)
            identifiers = self._identifiers(identifying, cells, record)
        except (CellError, KeyError):
            # KeyError: a field or relation not read for this row's columns.
            return None
        if identifiers is None:
            return None
        if spec.cite(extras, cells) or not self._cites(extras.get("citation"), record):
            return None
        return UnchangedRow(line, record.values["slug"], identifiers)

    def _plan(self, header: tuple):
        """For a header: each column compared with its comparison, the
        columns of the citation, the model fields read; None when a row of
        it goes to the parser whatever its cells."""
        if header in self._plans:
            return self._plans[header]
        spec = self.spec
        plan = None
        if "slug" in header and set(header) <= spec.readers.keys() | spec.readers_only:
            compared, citing, identifying, fields = [], [], [], []
            for column in header:
                reader = spec.readers.get(column)
                if reader is None or reader == "ignore":
                    continue
                if reader in CITATION_READERS:
                    citing.append(column)
                    continue
                if reader in IDENTIFYING_READERS:
                    identifying.append(column)
                    continue
                same = self.COMPARISONS.get("choice" if reader in CHOICE_READERS else reader)
                if same is None:
                    break  # a column this does not compare
                compared.append((column, getattr(self, same)))
                fields += self.FIELDS.get(reader, lambda column: [column])(column)
            else:
                attnames = {field.attname for field in spec.model._meta.concrete_fields}
                if set(fields) <= attnames:
                    fields = ["id", "slug", "is_published", *fields]
                    noting = [c for c in citing if spec.readers[c] in ("quote", "locator")]
                    sourcing = [c for c in citing if c not in noting]
                    plan = (compared, (sourcing, noting), fields, identifying)
        self._plans[header] = plan
        return plan

    # Each reader's comparison, and the model fields it reads of the record.
    COMPARISONS = {
        "text": "_same_text",
        "required": "_same_required",
        "choice": "_same_choice",
        "date": "_same_date",
        "precision": "_same_precision",
        "state": "_same_state",
        "required_state": "_same_state",
        "states": "_same_states",
        "sectors": "_same_sectors",
        "people": "_same_people",
        "commitments": "_same_commitments",
    }
    FIELDS = {
        "date": lambda column: [column, f"{column}_precision"],
        "state": lambda column: [f"{column}_id"],
        "required_state": lambda column: [f"{column}_id"],
        "states": lambda column: [],
        "sectors": lambda column: [],
        "people": lambda column: [],
        "commitments": lambda column: [],
    }

    # Whether a cell reads as what the record holds; CellError when the
    # parser would refuse it.

    def _same_text(self, column, text, record, on) -> bool:
        return record.values[column] == text

    def _same_precision(self, column, text, record, on) -> bool:
        # Empty, it leaves the date's precision; else it must repeat the
        # precision the date has (and the date cell gives, _same_date).
        return not text or record.values[column] == text

    def _same_required(self, column, text, record, on) -> bool:
        return bool(text) and record.values[column] == text

    def _same_choice(self, column, text, record, on) -> bool:
        # Read by the kind's own reader: a value no longer among the choices
        # is refused by the parser, whatever the record holds.
        fields: dict = {}
        self.spec.read(column, {column: text}, fields, {}, {}, self.lookups)
        return fields[column] == record.values[column]

    def _same_date(self, column, text, record, on) -> bool:
        # The precision as the date cell gives it: "2005" is a year.
        values = record.values
        return partial_date(text) == (values[column], values[f"{column}_precision"])

    def _same_state(self, column, text, record, on) -> bool:
        if not text:
            return self.spec.readers[column] == "state" and record.values[f"{column}_id"] is None
        return self.lookups.state(text, on) == record.values[f"{column}_id"]

    def _same_states(self, column, text, record, on) -> bool:
        ids = self.lookups.states_of(split_list(text), on)
        return len(ids) == len(record.relations[column]) and set(ids) == record.relations[column]

    def _same_sectors(self, column, text, record, on) -> bool:
        return set(self.lookups.sectors_of(split_list(text))) == record.relations[column]

    def _same_people(self, column, text, record, on) -> bool:
        return set(self.lookups.people_of(split_list(text))) == record.relations[column]

    def _same_commitments(self, column, text, record, on) -> bool:
        read: dict = {}
        self.spec.read(column, {column: text}, {}, read, {}, self.lookups)
        return set(read[column]) == record.relations[column]

    def _identifiers(self, identifying, cells, record: Held) -> tuple | None:
        """The row's identifiers as (scheme, value), read by the parser's own
        readers (a ``unts`` column beside ``identifiers`` wins); None unless
        the record has each of them and none of the registers it clears."""
        if not identifying:
            return ()
        extras: dict = {}
        for column in identifying:
            self.spec.read(column, cells, {}, {}, extras, self.lookups)
        given = extras.get("identifiers", {})
        for scheme, value in given.items():
            have = [held for s, held in record.identifiers if s == scheme]
            if (value not in have) if value else have:
                return None
        return tuple(sorted((scheme, value) for scheme, value in given.items() if value))

    def _source_cells(self, sourcing, cells) -> dict:
        """What the readers of the row's source columns say (a copy, for the
        row's quote and locator to join); CellError as they raise it."""
        key = tuple(cells[column] for column in sourcing)
        read = self._sources.get(key)
        if read is None:
            read = {}
            try:
                for column in sourcing:
                    self.spec.read(column, cells, {}, {}, read, self.lookups)
            except CellError as exc:
                read = exc
            if len(self._sources) < 10_000:
                self._sources[key] = read
        if isinstance(read, CellError):
            raise read
        return {
            name: dict(value) if isinstance(value, dict) else value for name, value in read.items()
        }

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
