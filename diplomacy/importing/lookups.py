"""Everything a row may name, read once per import: states, sectors, people, sources."""

import functools
from dataclasses import dataclass, field

from django.db.models import F

from diplomacy.any_of import AnyOf
from diplomacy.importing.values import CellError, partial_date
from diplomacy.models import Person, Sector, Source, StateCodes, Treaty, UnknownStateCode
from diplomacy.models.states import normalise_code
from diplomacy.partial_dates import PartialDate


@functools.lru_cache(maxsize=16384)  # a file's dates, each read once (as partial_date)
def record_date(text: str) -> PartialDate | None:
    """A row's date as its state codes are read on it; None when it has none
    or a malformed one (the date's own cell reports that)."""
    try:
        value, precision = partial_date(text)
    except CellError:
        return None
    return PartialDate(value, precision) if value else None


@dataclass(frozen=True)
class InlineSource:
    """A source given in a row's source_* columns, created when none matches."""

    url: str = ""
    title: str = ""
    publisher: str = ""
    published_on: PartialDate | None = None


def _all_known(known: dict[str, int], slugs: list[str], noun: str) -> list[int]:
    """Every slug of a cell, or one error naming each unknown one."""
    ids, unknown = [], []
    for slug in slugs:
        pk = known.get(slug.strip().lower())
        if pk is None:
            unknown.append(slug.strip())
        else:
            ids.append(pk)
    if unknown:
        names = ", ".join(f"“{slug}”" for slug in unknown)
        plural = "people" if noun == "person" else f"{noun}s"
        raise CellError(
            f"Unknown {noun if len(unknown) == 1 else plural} {names}: give the slug of an "
            f"existing {noun}.",
            values=tuple((f"unknown {plural}", slug) for slug in unknown),
        )
    return ids


@dataclass
class Lookups:
    states: StateCodes | None = None
    sectors: dict[str, int] = field(default_factory=dict)
    people: dict[str, int] = field(default_factory=dict)
    sources_by_url: dict[str, int] = field(default_factory=dict)
    sources_by_title: dict[str, int] = field(default_factory=dict)
    # A membership's or a commitment's treaty's date, by slug (``load_treaty_dates``).
    treaty_dates: dict[str, PartialDate | None] = field(default_factory=dict)
    # The stored dates of the records a batch's rows name, by slug (``load_stored_dates``).
    stored_dates: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def load(cls) -> "Lookups":
        lookups = cls()
        lookups.states = StateCodes()
        lookups.sectors = dict(Sector.objects.values_list("slug", "pk"))
        lookups.people = dict(Person.objects.values_list("slug", "pk"))
        for pk, url, title in Source.objects.values_list("pk", "url", "title"):
            if url:
                lookups.sources_by_url[url.strip()] = pk
            lookups.sources_by_title[title.strip().lower()] = pk
        return lookups

    def load_treaty_dates(self, slugs) -> None:
        """The date the codes of rows about these treaties are read on (the
        treaty's ``codes_date``), when a row has no date of its own."""
        for treaty in Treaty.objects.filter(AnyOf(F("slug"), list(slugs))).defer("search_vector"):
            self.treaty_dates[treaty.slug] = treaty.codes_date()

    def load_stored_dates(self, model, slugs) -> None:
        """The dates (``codes_dates``, with their precisions) of the records
        of ``model`` these slugs name, in place of the last batch's: a row
        that updates one and has no date of its own reads its codes on them
        (``Spec.codes_on``), as downloads write them. One query a batch."""
        names = [name for date in model.codes_dates for name in (date, f"{date}_precision")]
        rows = model.objects.filter(AnyOf(F("slug"), list(slugs))).values("slug", *names)
        self.stored_dates = {values["slug"]: values for values in rows}

    def state(self, code: str, on: PartialDate | None = None) -> int:
        """The state a code names on the record's date ``on`` (the code
        table's periods), or today's holder of the code when undated."""
        return self.states_of([code], on)[0]

    def states_of(self, codes: list[str], on: PartialDate | None = None) -> list[int]:
        """Every code of a cell read at once, so that a cell with three bad
        codes reports all three: the unknown ones together, and each code the
        register knows but cannot use on the record's date with its reason
        (StateCodes says, e.g., "COW 300 is Austria-Hungary, which ended in 1918")."""
        ids, unknown, unusable = [], [], []
        for code in codes:
            try:
                ids.append(self.states.state_id(code, on))
            except UnknownStateCode as exc:
                key = normalise_code(code)
                if key in self.states.holdings or key in self.states.public:
                    unusable.append((code.strip(), str(exc)))
                else:
                    unknown.append(code.strip())
        if not unknown and not unusable:
            return ids
        messages = []
        if len(unknown) == 1:
            messages.append(f"Unknown state “{unknown[0]}”:")
        elif unknown:
            messages.append(f"Unknown states {', '.join(f'“{code}”' for code in unknown)}:")
        if unknown:
            messages.append(
                "give an ISO alpha-2 or alpha-3 code, a COW number or the register's code "
                "of a state."
            )
        messages += [message for _, message in unusable]
        raise CellError(
            " ".join(messages),
            values=tuple(("unknown codes", code) for code in unknown)
            + tuple((message, code) for code, message in unusable),
        )

    def sectors_of(self, slugs: list[str]) -> list[int]:
        return _all_known(self.sectors, slugs, "sector")

    def people_of(self, slugs: list[str]) -> list[int]:
        return _all_known(self.people, slugs, "person")

    def sector(self, slug: str) -> int:
        return self.sectors_of([slug])[0]

    def person(self, slug: str) -> int:
        return self.people_of([slug])[0]

    def inline_source(self, source: "InlineSource") -> int | None:
        """The source a row describes in its own columns: the one with its URL;
        for a row without a URL, the one with its exact title; None when the
        register has none. A row's URL is never dropped for a source that
        only shares its title (two reports of one office may share one)."""
        if source.url:
            return self.sources_by_url.get(source.url)
        if source.title:
            return self.sources_by_title.get(source.title.lower())
        return None

    def remember_source(self, source: "InlineSource", pk: int) -> None:
        if source.url:
            self.sources_by_url[source.url] = pk
        if source.title:
            self.sources_by_title.setdefault(source.title.lower(), pk)

    def source(self, text: str) -> int:
        text = text.strip()
        pk = self.sources_by_url.get(text) or self.sources_by_title.get(text.lower())
        if pk is None:
            raise CellError(
                f"Unknown source “{text}”: give the URL or title of an existing source."
            )
        return pk
