"""Everything a row may name, read once per import: states, sectors, people, sources."""

from dataclasses import dataclass, field

from diplomacy.importing.values import CellError
from diplomacy.models import Person, Sector, Source, State


@dataclass
class Lookups:
    states: dict[str, int] = field(default_factory=dict)
    sectors: dict[str, int] = field(default_factory=dict)
    people: dict[str, int] = field(default_factory=dict)
    sources_by_url: dict[str, int] = field(default_factory=dict)
    sources_by_title: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls) -> "Lookups":
        lookups = cls()
        for pk, iso2, iso3, cow in State.objects.values_list("pk", "iso2", "iso3", "cow_code"):
            lookups.states[iso2.upper()] = pk
            lookups.states[iso3.upper()] = pk
            if cow is not None:
                lookups.states[str(cow)] = pk
        lookups.sectors = dict(Sector.objects.values_list("slug", "pk"))
        lookups.people = dict(Person.objects.values_list("slug", "pk"))
        for pk, url, title in Source.objects.values_list("pk", "url", "title"):
            if url:
                lookups.sources_by_url[url.strip()] = pk
            lookups.sources_by_title[title.strip().lower()] = pk
        return lookups

    def state(self, code: str) -> int:
        key = code.strip().upper()
        if key.isdigit():
            key = str(int(key))  # COW codes may come zero-padded
        try:
            return self.states[key]
        except KeyError:
            raise CellError(
                f"Unknown state “{code}”: give an ISO alpha-2 or alpha-3 code or a COW number."
            ) from None

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
