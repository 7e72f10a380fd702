"""FilterSets of the API lists that have no public list page (people,
organizations, sectors, sources): a sort only, declared as the list pages'
FilterSets (``diplomacy.filtersets``) declare theirs, so that every viewset
reads its parameters and its keyset sort from its FilterSet.
"""

from diplomacy.filtersets import RegisterFilterSet, StableOrderingFilter
from diplomacy.models import Organization, Person, Sector, Source


class ByNameFilterSet(RegisterFilterSet):
    ordering = StableOrderingFilter(
        fields=(("name", "name"),), field_labels={"name": "Name"}, label="Sort by"
    )

    # The API's keyset cursor walks the same order.
    keyset_orderings = {"name": "name"}
    keyset_default = "name"


class PersonFilterSet(ByNameFilterSet):
    class Meta:
        model = Person
        fields = []


class OrganizationFilterSet(ByNameFilterSet):
    class Meta:
        model = Organization
        fields = []


class SectorFilterSet(ByNameFilterSet):
    class Meta:
        model = Sector
        fields = []


class SourceFilterSet(RegisterFilterSet):
    ordering = StableOrderingFilter(
        fields=(("title", "title"),), field_labels={"title": "Title"}, label="Sort by"
    )

    keyset_orderings = {"title": "title"}
    keyset_default = "title"

    class Meta:
        model = Source
        fields = []
