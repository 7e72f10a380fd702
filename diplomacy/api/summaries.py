"""Compact summaries of related records (key, name, API URL), nested in other records.

The relation fields (``diplomacy.api.fields``) read a related record as one of
these, and the record serializers (``diplomacy.api.serializers``) nest them:
both import this module, which imports neither.
"""

from rest_framework import serializers

from diplomacy.models import Organization, Person, Project, Sector, Source, State, Treaty, Visit
from diplomacy.urlpaths import route_url


def absolute_url(request, path: str) -> str:
    """``path`` (from ``reverse()`` or ``route_url()``) on the request's scheme
    and host; the path itself when there is no request."""
    if request is None:
        return path
    return request.build_absolute_uri(path)


def api_url(request, name: str, **kwargs) -> str:
    return absolute_url(request, route_url(f"api:{name}", **kwargs))


class StateSummarySerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = State
        fields = ["iso2", "name", "url"]

    def get_url(self, state) -> str:
        return api_url(self.context.get("request"), "state-detail", iso2=state.code)


class SlugSummarySerializer(serializers.ModelSerializer):
    """slug, name and API URL of a person, organization, sector, source."""

    url = serializers.SerializerMethodField()
    route = ""

    def get_url(self, record) -> str:
        return api_url(self.context.get("request"), self.route, slug=record.slug)


class PersonSummarySerializer(SlugSummarySerializer):
    route = "person-detail"

    class Meta:
        model = Person
        fields = ["slug", "name", "url"]


class OrganizationSummarySerializer(SlugSummarySerializer):
    route = "organization-detail"

    class Meta:
        model = Organization
        fields = ["slug", "name", "url"]


class SectorSummarySerializer(SlugSummarySerializer):
    route = "sector-detail"

    class Meta:
        model = Sector
        fields = ["slug", "name", "url"]


class SourceSummarySerializer(SlugSummarySerializer):
    route = "source-detail"

    class Meta:
        model = Source
        fields = ["slug", "title", "publisher", "url"]


class TreatySummarySerializer(SlugSummarySerializer):
    route = "treaty-detail"

    class Meta:
        model = Treaty
        fields = ["slug", "title", "url"]


class VisitSummarySerializer(SlugSummarySerializer):
    route = "visit-detail"

    class Meta:
        model = Visit
        fields = ["slug", "title", "url"]


class ProjectSummarySerializer(SlugSummarySerializer):
    route = "project-detail"

    class Meta:
        model = Project
        fields = ["slug", "name", "url"]
