"""Everything a row may name, read once per import: states, sectors, people, sources."""

from dataclasses import dataclass, field

from diplomacy.importing.values import CellError, partial_date
from diplomacy.models import Person, Sector, Source, StateCodes, UnknownStateCode
from diplomacy.partial_dates import PartialDate


def record_date(text: str) -> PartialDate | None:
    """A row's date as its state codes are read on it; None when it has none
    or a malformed one (the date's own cell reports that)."""
    try:
        value, precision = partial_date(text)
    except CellError:
        return None
    return PartialDate(value, precision) if value else None


@dataclass
class Lookups:
    states: StateCodes | None = None
    sectors: dict[str, int] = field(default_factory=dict)
    people: dict[str, int] = field(default_factory=dict)
    sources_by_url: dict[str, int] = field(default_factory=dict)
    sources_by_title: dict[str, int] = field(default_factory=dict)

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

    def state(self, code: str, on: PartialDate | None = None) -> int:
        """The state a code names on the record's date ``on`` (the code
        table's periods), or today's holder of the code when undated."""
        try:
            return self.states.state_id(code, on)
        except UnknownStateCode as exc:
            raise CellError(str(exc)) from None

    def sector(self, slug: str) -> int:
        try:
            return self.sectors[slug.strip().lower()]
        except KeyError:
            raise CellError(
                f"Unknown sector “{slug}”: give the slug of an existing sector."
            ) from None

    def person(self, slug: str) -> int:
        try:
            return self.people[slug.strip().lower()]
        except KeyError:
            raise CellError(
                f"Unknown person “{slug}”: give the slug of an existing person."
            ) from None

    def source(self, text: str) -> int:
        text = text.strip()
        pk = self.sources_by_url.get(text) or self.sources_by_title.get(text.lower())
        if pk is None:
            raise CellError(
                f"Unknown source “{text}”: give the URL or title of an existing source."
            )
        return pk
