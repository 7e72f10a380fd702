"""What a row of each kind holds, column by column, and how it maps to the models."""

import functools
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.text import slugify

from diplomacy.choices import (
    ConsentMode,
    DatePrecision,
    ExitKind,
    IdentifierScheme,
    ProjectKind,
    ProjectStatus,
    TreatyKind,
    TreatyStatus,
    VisitKind,
    VisitLevel,
)
from diplomacy.importing.lookups import InlineSource, Lookups, record_date
from diplomacy.importing.reading import as_text
from diplomacy.importing.values import CellError, choice, money, partial_date, split_list
from diplomacy.models import (
    Commitment,
    Project,
    ProjectCitation,
    Treaty,
    TreatyCitation,
    TreatyParty,
    Visit,
    VisitCitation,
)
from diplomacy.models.commitments import commitment_kind_ids
from diplomacy.partial_dates import PartialDate
from diplomacy.validators import CONTROL_CHARACTER, reject_control_characters

IDENTIFIER_COLUMNS = {
    "unts": IdentifierScheme.UNTS,
    "atop": IdentifierScheme.ATOP,
    "wikidata": IdentifierScheme.WIKIDATA,
}


# Columns the register's CSV and JSON exports and API responses write for
# readers: recognised and ignored on import, so that a download imports as it
# is. (The record's address comes from its slug; publication from --publish.)
READERS_ONLY = frozenset(
    {"url", "absolute_url", "html_url", "created_at", "updated_at", "is_published"}
)


@dataclass
class ParsedRow:
    """One row as the models see it. ``fields`` and ``relations`` hold only the
    columns the file has (SPEC 8: an absent column leaves the field as it is);
    ``defaults`` is what a new record gets for the columns it lacks, and
    ``missing`` names the lacking columns a new record cannot do without."""

    line: int
    slug: str
    fields: dict
    relations: dict[str, tuple[int, ...]] = field(default_factory=dict)
    identifiers: tuple[tuple[str, str], ...] = ()
    cleared_identifiers: tuple[str, ...] = ()
    # (source, quote, locator): the source's pk, or the InlineSource the
    # importer matches or creates for the whole batch.
    citation: tuple[int | InlineSource, str, str] | None = None
    defaults: dict = field(default_factory=dict)
    missing: tuple[str, ...] = ()

    def signature(self) -> tuple:
        return (
            tuple(sorted((k, str(v)) for k, v in self.fields.items())),
            tuple(sorted(self.relations.items())),
            self.identifiers,
            self.cleared_identifiers,
            self.citation,
        )


@dataclass(frozen=True)
class Relation:
    """A many-to-many of the record, written through its through table."""

    through: type
    record_fk: str
    target_fk: str
    history: bool = False


class RowErrors(Exception):
    """A row's errors: (column, message) or (column, message, values), the
    values being CellError's (problem, value) pairs."""

    def __init__(self, errors: list[tuple]):
        super().__init__(errors)
        self.errors = errors


class Spec:
    model = None
    citation_model = None
    title_field = "title"
    date_field = "signed_on"
    relations: dict[str, Relation] = {}
    columns: dict[str, str] = {}
    # Columns a download writes that the import recognises and ignores.
    readers_only: frozenset[str] = READERS_ONLY
    # Column readers that set no field of the record itself.
    NOT_FIELDS = frozenset(
        {
            "ignore", "states", "sectors", "people", "source", "quote", "identifier",
            "commitments", "source_text", "source_date", "locator", "identifiers", "precision",
        }
    )  # fmt: skip
    # The columns every kind takes besides its own: a source described in the
    # row itself (created or matched by URL, else exact title), where in it,
    # and the reason a reject file gives each row (read back as nothing).
    SHARED_COLUMNS = {
        "source_title": "source_text",
        "source_url": "source_text",
        "source_publisher": "source_text",
        "source_published_on": "source_date",
        "locator": "locator",
        "reason": "ignore",
    }

    def __init__(self):
        # ``columns`` stays each kind's own (the admin form documents them);
        # ``readers`` is every column a file may have.
        self.readers = {**self.columns, **self.SHARED_COLUMNS}
        self._handlers: dict = {}
        self._absent: dict[tuple[str, ...], tuple[dict, tuple[str, ...]]] = {}

    def parse(self, line: int, raw: dict, lookups: Lookups) -> ParsedRow:
        errors: list[tuple[str, str]] = []
        if "__error__" in raw:
            raise RowErrors([("row", raw["__error__"])])
        unknown = set(raw) - set(self.readers) - self.readers_only
        if unknown:
            errors.append(("row", unknown_columns(unknown)))
        present = [name for name in self.readers if name in raw]
        cells = {name: as_text(raw[name]) for name in present}
        fields: dict = {}
        relations: dict[str, tuple[int, ...]] = {}
        # The record's date, for the state codes: COW 365 is the Soviet Union
        # in 1980 and Russia in 2000. A record the register holds has its
        # stored dates where the row has no date column.
        stored = lookups.stored_dates.get(cells.get("slug", "").lower())
        extras: dict = {"on": self.codes_on(cells, stored)}

        # Also the cells that are no model field (quote, identifiers); the row
        # at once (a tab, allowed, between cells), each cell when one has any.
        controlled = CONTROL_CHARACTER.search("\t".join(cells.values())) is not None
        for column in present:
            text = cells[column]
            if controlled:
                try:
                    reject_control_characters(text)
                except ValidationError as exc:
                    errors.append((column, " ".join(exc.messages)))
                    continue
            try:
                self.reader(column)(column, text, fields, relations, extras, lookups)
            except CellError as exc:
                errors.append((column, str(exc), exc.values))
        if not errors:
            errors += self.cite(extras, cells)
        if errors:
            raise RowErrors(errors)
        slug = cells.get("slug", "").lower() or self.make_slug(fields)
        if len(slug) > 200 or not slug:
            raise RowErrors([("slug", "The slug is empty or longer than 200 characters.")])
        # The same columns on every row of a file: their defaults are worked out once.
        key = tuple(present)
        absent = self._absent.get(key)
        if absent is None:
            absent = self.defaults_for_absent(present, lookups)
            # Kept for the process's imports, but not without bound: each object
            # of a JSON file may name its own set of columns.
            if len(self._absent) < 256:
                self._absent[key] = absent
        defaults, missing = absent
        identifiers = extras.get("identifiers", {})
        return ParsedRow(
            line=line,
            slug=slug,
            fields=fields,
            relations=relations,
            identifiers=tuple(sorted((k, v) for k, v in identifiers.items() if v)),
            cleared_identifiers=tuple(sorted(k for k, v in identifiers.items() if not v)),
            citation=extras.get("citation"),
            defaults=defaults,
            missing=missing,
        )

    def codes_on(self, cells: dict, stored: dict | None) -> PartialDate | None:
        """The date a row's state codes are read on: the record's first known
        date (the model's ``codes_dates``, as downloads write the codes) as
        the record will have it: the row's cell where the file has the
        column (an empty cell clears that date), else the date ``stored``
        (the record's values by attname; None for a new record). Without
        any, None: the codes' holders today. A malformed date is passed
        over here and refused as its own cell's error."""
        for name in self.model.codes_dates:
            if name in cells:
                on = record_date(cells[name])
            elif stored is not None and stored.get(name):
                on = PartialDate(stored[name], stored[f"{name}_precision"])
            else:
                on = None
            if on:
                return on
        return None

    def cite(self, extras: dict, cells: dict) -> list[tuple[str, str]]:
        """The row's citation, from what its source columns' readers put in
        ``extras``: set as ``extras["citation"]`` (the source's pk or the
        InlineSource to match or create, the quote, the locator); returns
        the errors of one that does not hold together."""
        if extras.get("inline") and not extras.get("source"):
            inline = extras["inline"]
            extras["source"] = InlineSource(
                url=inline.get("source_url", ""),
                title=inline.get("source_title", ""),
                publisher=inline.get("source_publisher", ""),
                published_on=inline.get("source_published_on"),
            )
            if not extras["source"].url and not extras["source"].title:
                extras["source"] = None
        source, quote = extras.get("source"), extras.get("quote", "")
        if extras.get("locator") and not source:
            return [("locator", "A locator needs its source.")]
        if source and not quote:
            return [("quote", "A source needs the quoted passage that supports it.")]
        if quote and not source and not cells.get("source"):
            return [("source", "A quote needs its source (URL or title).")]
        if source:
            extras["citation"] = (source, quote, extras.get("locator", ""))
        return []

    def defaults_for_absent(self, present, lookups) -> tuple[dict, tuple[str, ...]]:
        """A new record's values for the columns the file lacks: what an empty
        cell gives, and the columns whose empty cell would be refused."""
        defaults: dict = {}
        missing = []
        for column in self.columns:
            if column in present or self.readers[column] in self.NOT_FIELDS:
                continue
            try:
                self.read(column, {column: ""}, defaults, {}, {}, lookups)
            except CellError:
                missing.append(column)
        return defaults, tuple(missing)

    def make_slug(self, fields: dict) -> str:
        title = slugify(fields.get(self.title_field, ""))[:150]
        date = fields.get(self.date_field)
        return f"{title}-{date.isoformat() if date else 'undated'}" if title else ""

    # Column readers shared by the kinds.
    def read(self, column, cells, fields, relations, extras, lookups):
        self.reader(column)(column, cells[column], fields, relations, extras, lookups)

    def reader(self, column):
        """The method that reads ``column``'s cells: (column, text, fields,
        relations, extras, lookups)."""
        handler = self._handlers.get(column)
        if handler is None:
            handler = self._handlers[column] = getattr(self, f"read_{self.readers[column]}")
        return handler

    def read_ignore(self, column, text, fields, relations, extras, lookups):
        pass

    def read_text(self, column, text, fields, relations, extras, lookups):
        fields[column] = text

    def read_required(self, column, text, fields, relations, extras, lookups):
        if not text:
            raise CellError(f"The {column} is required.")
        fields[column] = text

    def read_date(self, column, text, fields, relations, extras, lookups):
        value, precision = partial_date(text)
        fields[column] = value
        fields[f"{column}_precision"] = precision

    def read_state(self, column, text, fields, relations, extras, lookups):
        fields[f"{column}_id"] = lookups.state(text, extras.get("on")) if text else None

    def read_required_state(self, column, text, fields, relations, extras, lookups):
        if not text:
            raise CellError(f"The {column} state is required.")
        fields[f"{column}_id"] = lookups.state(text, extras.get("on"))

    def read_states(self, column, text, fields, relations, extras, lookups):
        codes = split_list(text)
        ids = lookups.states_of(codes, extras.get("on"))
        check_listed_once(codes, ids)
        relations[column] = tuple(sorted(ids))

    def read_sectors(self, column, text, fields, relations, extras, lookups):
        relations[column] = tuple(sorted(set(lookups.sectors_of(split_list(text)))))

    def read_commitments(self, column, text, fields, relations, extras, lookups):
        # Commitment kinds by value (SPEC 3.11): a kind listed and not yet on the
        # treaty is added (without a quote); a kind left out is removed.
        ids = commitment_kind_ids()
        values = [value.strip().lower() for value in split_list(text)]
        unknown = [value for value in values if value not in ids]
        if unknown:
            raise CellError(
                f"Unknown commitment(s): {', '.join(unknown)}; use values such as defence, "
                "consultation, political_support."
            )
        relations[column] = tuple(sorted({ids[value] for value in values}))

    def read_people(self, column, text, fields, relations, extras, lookups):
        relations[column] = tuple(sorted(set(lookups.people_of(split_list(text)))))

    def read_source(self, column, text, fields, relations, extras, lookups):
        if text:
            extras["source"] = lookups.source(text)

    def read_quote(self, column, text, fields, relations, extras, lookups):
        extras["quote"] = text

    def read_source_text(self, column, text, fields, relations, extras, lookups):
        limit = SOURCE_LIMITS[column]
        if len(text) > limit:
            raise CellError(f"At most {limit} characters.")
        if column == "source_url" and text:
            _check_url(text)
        extras.setdefault("inline", {})[column] = text

    def read_source_date(self, column, text, fields, relations, extras, lookups):
        value, precision = partial_date(text)
        if value:
            extras.setdefault("inline", {})[column] = PartialDate(value, precision)

    def read_locator(self, column, text, fields, relations, extras, lookups):
        if len(text) > 100:
            raise CellError("At most 100 characters.")
        extras["locator"] = text

    def read_identifier(self, column, text, fields, relations, extras, lookups):
        # An empty cell removes the treaty's identifier in that register.
        extras.setdefault("identifiers", {})[IDENTIFIER_COLUMNS[column]] = text

    def read_identifiers(self, column, text, fields, relations, extras, lookups):
        """The CSV export's ``identifiers`` (``wikidata:Q42;unts:54113``): the
        treaty's identifier in each register, a register not named cleared.
        A ``unts``, ``atop`` or ``wikidata`` column of the same row wins."""
        given: dict[str, str] = {}
        for item in split_list(text):
            register, _, value = item.partition(":")
            scheme = IDENTIFIER_COLUMNS.get(register.strip().lower())
            if scheme is None or not value.strip():
                raise CellError(
                    f"“{item}” is not an identifier the import reads: give "
                    "unts:<number>, atop:<number> or wikidata:<Q-number>."
                )
            if scheme in given:
                raise CellError(f"Two {register.strip().lower()} identifiers: give one.")
            given[scheme] = value.strip()
        identifiers = extras.setdefault("identifiers", {})
        for scheme in IDENTIFIER_COLUMNS.values():
            identifiers.setdefault(scheme, given.get(scheme, ""))

    # Precisions from the coarsest: a date may be said to be known less
    # precisely than it is written (the API writes 2024-01-01 for "2024").
    PRECISIONS = (DatePrecision.YEAR, DatePrecision.MONTH, DatePrecision.DAY)

    def read_precision(self, column, text, fields, relations, extras, lookups):
        """``<date>_precision`` (exports and the API write it beside the date):
        agrees with the date cell, or makes it coarser; ignored beside an
        empty date."""
        date = column.removesuffix("_precision")
        if not text or fields.get(date) is None:
            return
        precision = choice(text, DatePrecision, "date precision")
        written = fields[f"{date}_precision"]
        if self.PRECISIONS.index(precision) > self.PRECISIONS.index(written):
            raise CellError(
                f"The {date} cell is known to the {written}, finer than {precision} cannot be: "
                "give the whole date or leave the precision empty."
            )
        fields[f"{date}_precision"] = precision


def check_listed_once(codes: list[str], ids: list[int]) -> None:
    """A cell names each state once: say which codes name the same one."""
    if len(set(ids)) == len(ids):
        return
    twice = [code for code, pk in zip(codes, ids, strict=True) if ids.count(pk) > 1]
    raise CellError(f"A state is listed twice: {' and '.join(twice)} name the same state.")


# The longest text a source's field holds (diplomacy.models.Source).
SOURCE_LIMITS = {"source_title": 500, "source_url": 500, "source_publisher": 200}


UNKNOWN_COLUMNS_NAMED = 20


def unknown_columns(unknown: set[str]) -> str:
    """The row error for columns no kind reads: the first names, and how many
    more (a header of a hundred thousand columns makes no useful message)."""
    names = sorted(unknown)
    shown = ", ".join(names[:UNKNOWN_COLUMNS_NAMED])
    more = len(names) - UNKNOWN_COLUMNS_NAMED
    return f"Unknown column(s): {shown}" + (f" and {more:,} more." if more > 0 else ".")


@functools.lru_cache(maxsize=4096)
def _check_url(url: str) -> None:
    # A file cites a few sources many times: each address is checked once.
    try:
        URLValidator()(url)
    except ValidationError:
        raise CellError(f"“{url}” is not a web address (http:// or https://).") from None


class TreatySpec(Spec):
    model = Treaty
    citation_model = TreatyCitation
    relations = {
        "parties": Relation(TreatyParty, "treaty_id", "state_id", history=True),
        "sectors": Relation(Treaty.sectors.through, "treaty_id", "sector_id"),
        "commitments": Relation(Commitment, "treaty_id", "kind_id", history=True),
    }
    columns = {
        "slug": "ignore",
        "title": "required",
        "short_title": "text",
        "kind": "kind",
        "status": "status",
        "signed_on": "date",
        "place_signed": "text",
        "entry_into_force_on": "date",
        "ended_on": "date",
        "parties": "states",
        "sectors": "sectors",
        "summary": "text",
        "full_text_url": "text",
        "notes": "text",
        "unts": "identifier",
        "atop": "identifier",
        "wikidata": "identifier",
        "source": "source",
        "quote": "quote",
        "commitments": "commitments",
        "identifiers": "identifiers",
        "signed_on_precision": "precision",
        "entry_into_force_on_precision": "precision",
        "ended_on_precision": "precision",
    }
    readers_only = READERS_ONLY | {"party_names"}

    def read_kind(self, column, text, fields, *rest):
        fields["kind"] = choice(text, TreatyKind, "treaty kind")

    def read_status(self, column, text, fields, *rest):
        fields["status"] = choice(text, TreatyStatus, "treaty status", default=TreatyStatus.SIGNED)


class VisitSpec(Spec):
    model = Visit
    citation_model = VisitCitation
    date_field = "start_on"
    relations = {"principals": Relation(Visit.principals.through, "visit_id", "person_id")}
    columns = {
        "slug": "ignore",
        "title": "required",
        "kind": "kind",
        "level": "level",
        "host": "required_state",
        "guest": "required_state",
        "principals": "people",
        "start_on": "date",
        "end_on": "date",
        "city": "text",
        "summary": "text",
        "notes": "text",
        "source": "source",
        "quote": "quote",
        "start_on_precision": "precision",
        "end_on_precision": "precision",
    }
    readers_only = READERS_ONLY | {"host_name", "guest_name"}

    def read_kind(self, column, text, fields, *rest):
        fields["kind"] = choice(text, VisitKind, "visit kind", default=VisitKind.OFFICIAL)

    def read_level(self, column, text, fields, *rest):
        fields["level"] = choice(text, VisitLevel, "visit level", default=VisitLevel.HEAD_OF_STATE)


class ProjectSpec(Spec):
    model = Project
    citation_model = ProjectCitation
    title_field = "name"
    date_field = "start_on"
    relations = {
        "states": Relation(Project.states.through, "project_id", "state_id"),
        "sectors": Relation(Project.sectors.through, "project_id", "sector_id"),
    }
    columns = {
        "slug": "ignore",
        "name": "required",
        "kind": "kind",
        "status": "status",
        "states": "states",
        "sectors": "sectors",
        "city": "text",
        "location_state": "state",
        "value_amount": "amount",
        "value_currency": "currency",
        "value_note": "text",
        "start_on": "date",
        "completion_on": "date",
        "description": "text",
        "notes": "text",
        "source": "source",
        "quote": "quote",
        "start_on_precision": "precision",
        "completion_on_precision": "precision",
    }
    readers_only = READERS_ONLY | {"state_names", "location_state_name"}

    def read_kind(self, column, text, fields, *rest):
        fields["kind"] = choice(text, ProjectKind, "project kind", default=ProjectKind.OTHER)

    def read_status(self, column, text, fields, *rest):
        fields["status"] = choice(
            text, ProjectStatus, "project status", default=ProjectStatus.AGREED
        )

    def read_amount(self, column, text, fields, *rest):
        amount = Project._meta.get_field("value_amount")
        fields["value_amount"] = money(text, amount.max_digits, amount.decimal_places)

    def read_currency(self, column, text, fields, *rest):
        fields["value_currency"] = text.upper()


class MembershipSpec:
    """A party's membership of a treaty over time (SPEC 3.10), one row per
    treaty and state: the state becomes a party if it is not one yet. Columns:
    ``treaty`` (slug) and ``state`` (ISO alpha-2 or alpha-3 code, COW number)
    name the row and are required; ``mode`` (signature, ratification,
    accession, acceptance_approval, succession), ``joined`` (date of consent),
    ``in_force`` (entry into force for the state), ``left`` (date its exit
    took effect) and ``exit_kind`` (withdrawal, denunciation, ceased) are
    each optional: an absent column leaves the field as it is, an empty cell
    clears it (SPEC 8)."""

    model = TreatyParty
    columns = {
        "treaty": "treaty",
        "state": "state",
        "mode": "consent_mode",
        "joined": "consented_on",
        "in_force": "entry_into_force_on",
        "left": "left_on",
        "exit_kind": "exit_kind",
        "note": "note",
    }
    dates = {"joined", "in_force", "left"}

    def parse(self, line: int, raw: dict, lookups: Lookups) -> tuple[str, int, dict]:
        """The treaty's slug, the state's id and the fields the row sets."""
        if "__error__" in raw:
            raise RowErrors([("row", raw["__error__"])])
        errors: list[tuple[str, str]] = []
        # A reject file's reason column is read back as nothing.
        unknown = set(raw) - set(self.columns) - {"reason"}
        if unknown:
            errors.append(("row", unknown_columns(unknown)))
        cells = {name: as_text(raw[name]) for name in self.columns if name in raw}
        fields: dict = {}
        slug, state = cells.get("treaty", "").strip().lower(), None
        if not slug:
            errors.append(("treaty", "The treaty (its slug) is required."))
        # The state a code names on the row's own date (COW 365 joining in
        # 1981 is the Soviet Union, in 2005 Russia), else on the treaty's.
        column_of = {name: column for column, name in self.columns.items()}
        dated = (record_date(cells.get(column_of[name], "")) for name in TreatyParty.codes_dates)
        on = next((on for on in dated if on), None) or lookups.treaty_dates.get(slug)
        try:
            if not cells.get("state", "").strip():
                raise CellError("The state is required.")
            state = lookups.state(cells["state"], on)
        except CellError as exc:
            errors.append(("state", str(exc), exc.values))
        for column, text in cells.items():
            if column in ("treaty", "state"):
                continue
            try:
                reject_control_characters(text)
                name = self.columns[column]
                if column in self.dates:
                    fields[name], fields[f"{name}_precision"] = partial_date(text)
                elif column == "mode":
                    fields[name] = choice(text, ConsentMode, "consent mode", default="")
                elif column == "exit_kind":
                    fields[name] = choice(text, ExitKind, "kind of exit", default="")
                else:
                    fields[name] = text
            except (CellError, ValidationError) as exc:
                message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                errors.append((column, message))
        if errors:
            raise RowErrors(errors)
        return slug, state, fields


@dataclass(frozen=True)
class CommitmentRow:
    """A commitment row: the record it names and what it sets. ``fields`` and
    ``parties_bound`` (None: column absent) hold only the file's columns."""

    line: int
    treaty: str
    kind: int
    article: str
    fields: dict
    parties_bound: tuple[int, ...] | None

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.treaty, self.kind, self.article)


class CommitmentSpec:
    """What a treaty binds its parties to (SPEC 3.11), one row per commitment,
    named by ``treaty`` (slug), ``kind`` (a value of the vocabulary) and
    ``article`` (empty when the source gives none). ``quote``, ``conditions``,
    ``parties_bound`` (state codes; empty: all parties), ``source`` (URL or
    exact title of an existing source) and ``locator`` are each optional: an
    absent column leaves the field as it is, an empty cell clears it."""

    model = Commitment
    columns = {
        "treaty": "treaty",
        "kind": "kind",
        "article": "article",
        "quote": "quote",
        "conditions": "conditions",
        "parties_bound": "parties_bound",
        "source": "source",
        "locator": "locator",
    }
    # The API writes a kind's label beside its value; a reject file gives
    # each row its reason: both read back as nothing.
    readers_only = frozenset({"label", "reason"})
    TEXT = ("quote", "conditions", "locator")

    def parse(self, line: int, raw: dict, lookups: Lookups) -> CommitmentRow:
        if "__error__" in raw:
            raise RowErrors([("row", raw["__error__"])])
        errors: list[tuple] = []
        unknown = set(raw) - set(self.columns) - self.readers_only
        if unknown:
            errors.append(("row", unknown_columns(unknown)))
        cells = {name: as_text(raw[name]) for name in self.columns if name in raw}
        fields: dict = {}
        bound = None
        treaty = cells.get("treaty", "").lower()
        if not treaty:
            errors.append(("treaty", "The treaty (its slug) is required."))
        kinds = commitment_kind_ids()
        kind = kinds.get(cells.get("kind", "").lower())
        if kind is None:
            errors.append(
                (
                    "kind",
                    f"“{cells.get('kind', '')}” is no commitment kind; use values such as "
                    "defence, consultation, political_support.",
                )
            )
        for column, text in cells.items():
            try:
                reject_control_characters(text)
                if column in self.TEXT:
                    fields[column] = text
                elif column == "source":
                    fields["source_id"] = lookups.source(text) if text else None
                elif column == "parties_bound":
                    # The states the codes named on the treaty's date.
                    # Read at once, as a treaty's parties: every bad code of the cell reported.
                    on = lookups.treaty_dates.get(treaty)
                    codes = split_list(text)
                    ids = lookups.states_of(codes, on)
                    check_listed_once(codes, ids)
                    bound = tuple(sorted(ids))
            except CellError as exc:
                errors.append((column, str(exc), exc.values))
            except ValidationError as exc:
                errors.append((column, " ".join(exc.messages)))
        if errors:
            raise RowErrors(errors)
        return CommitmentRow(line, treaty, kind, cells.get("article", ""), fields, bound)


SPECS = {
    "treaty": TreatySpec(),
    "visit": VisitSpec(),
    "project": ProjectSpec(),
    "membership": MembershipSpec(),
    "commitment": CommitmentSpec(),
}
