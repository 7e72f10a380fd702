"""Admin for the reference records: states, people, organizations, sectors, sources."""

from django.contrib import admin

from diplomacy.admin.base import CuratedAdmin, citation_inline
from diplomacy.models import (
    Organization,
    OrganizationCitation,
    Person,
    PersonCitation,
    Sector,
    Source,
    State,
    StateCitation,
    StateCode,
    StatePeriod,
    StateSuccession,
)


class StatePeriodInline(admin.TabularInline):
    model = StatePeriod
    extra = 0
    fields = [("started_on", "started_on_precision"), ("ended_on", "ended_on_precision"), "note"]


class StateCodeInline(admin.TabularInline):
    model = StateCode
    extra = 0
    fields = ["scheme", "code", "valid_from", "valid_to"]


class SuccessorInline(admin.TabularInline):
    model = StateSuccession
    fk_name = "predecessor"
    verbose_name, verbose_name_plural = "successor", "successors"
    extra = 0
    autocomplete_fields = ["successor"]
    fields = ["successor", "kind", ("on", "on_precision"), "note"]


class PredecessorInline(SuccessorInline):
    fk_name = "successor"
    verbose_name, verbose_name_plural = "predecessor", "predecessors"
    autocomplete_fields = ["predecessor"]
    fields = ["predecessor", "kind", ("on", "on_precision"), "note"]


@admin.register(State)
class StateAdmin(CuratedAdmin):
    list_display = [
        "name", "code", "iso2", "iso3", "cow_code", "official_name", "region", "is_published",
    ]  # fmt: skip
    list_filter = ["is_published", "region"]
    search_fields = ["name", "official_name", "code", "iso2", "iso3", "=cow_code"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["name"]
    inlines = [
        StatePeriodInline,
        StateCodeInline,
        PredecessorInline,
        SuccessorInline,
        citation_inline(StateCitation),
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "official_name",
                    "slug",
                    ("code", "iso2", "iso3", "iso_numeric", "cow_code"),
                ]
            },
        ),
        (
            "Details",
            {
                "fields": [
                    "capital",
                    "region",
                    "independence_on",
                    "summary",
                ]
            },
        ),
        ("Publication", {"fields": ["is_published", "created_at", "updated_at"]}),
    ]


@admin.register(Person)
class PersonAdmin(CuratedAdmin):
    list_display = ["name", "office", "state", "is_published", "updated_at"]
    list_filter = ["is_published", ("state", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["state"]
    search_fields = ["name", "office"]
    autocomplete_fields = ["state"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [citation_inline(PersonCitation)]


@admin.register(Organization)
class OrganizationAdmin(CuratedAdmin):
    list_display = ["name", "acronym", "kind", "state", "is_published", "updated_at"]
    list_filter = ["is_published", "kind", ("state", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["state"]
    search_fields = ["name", "acronym"]
    autocomplete_fields = ["state"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [citation_inline(OrganizationCitation)]


@admin.register(Sector)
class SectorAdmin(CuratedAdmin):
    list_display = ["name", "slug", "is_published"]
    list_filter = ["is_published"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Source)
class SourceAdmin(CuratedAdmin):
    list_display = ["title", "publisher", "author", "published_on", "language", "is_published"]
    list_filter = ["is_published", "language", "publisher"]
    search_fields = ["title", "publisher", "author", "url", "text"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_on"
    fieldsets = [
        (None, {"fields": ["title", "slug", "publisher", "author", "url"]}),
        ("Publication", {"fields": ["published_on", "language"]}),
        ("Text", {"fields": ["text", "notes"]}),
        ("Register", {"fields": ["is_published", "created_at", "updated_at"]}),
    ]
