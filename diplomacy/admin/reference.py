"""Admin for the reference records: states, people, organizations, sectors, sources."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from diplomacy.admin.base import CuratedAdmin, citation_inline
from diplomacy.admin.forms import kept_forms
from diplomacy.models import (
    CodeScheme,
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
from diplomacy.models.states import period_end
from diplomacy.versions import new_versions


def _overlap(a_from, a_to, b_from, b_to) -> bool:
    """Whether two spans share a day (None: unbounded on that side)."""
    return (a_from is None or b_to is None or a_from <= b_to) and (
        b_from is None or a_to is None or b_from <= a_to
    )


class StatePeriodFormSet(forms.BaseInlineFormSet):
    def clean(self):
        """A state's periods are the times it existed, one after another."""
        super().clean()
        if any(self.errors):
            return
        # An end known to the year lasts to its last day, as memberships read it.
        spans = [
            (f.instance.started_on, period_end(f.instance.ended_on, f.instance.ended_on_precision))
            for f in kept_forms(self)
        ]
        for n, (start, end) in enumerate(spans):
            for other_start, other_end in spans[n + 1 :]:
                if _overlap(start, end, other_start, other_end):
                    raise ValidationError(
                        "Two periods overlap: a state's periods are the times it existed, "
                        "one after another. Merge them, or end one before the next begins."
                    )


class StateCodeFormSet(forms.BaseInlineFormSet):
    def clean(self):
        """A code names one state at a time: a row added or changed here may
        not give a code that another state holds in the same years (no import
        could tell which state a row means)."""
        super().clean()
        if any(self.errors):
            return
        # The state's own rows: its codes are all on the form (the parent is
        # left out of the rows' forms, so Django does not check this).
        seen: dict[tuple, int] = {}
        for form in kept_forms(self):
            key = (form.cleaned_data.get("scheme"), form.instance.code, form.instance.valid_from)
            if key in seen and form.has_changed():
                scheme, code, since = key
                form.add_error(
                    "code",
                    f"{self.instance.name} has {CodeScheme(scheme).label} {code} from "
                    f"{since or 'the start'} in another row: change that row instead.",
                )
            seen[key] = 1
        if any(self.errors):
            return
        for form in kept_forms(self):
            if not form.has_changed():
                continue
            data = form.cleaned_data
            scheme, code = data.get("scheme"), form.instance.code  # normalised by its clean()
            holders = StateCode.objects.filter(scheme=scheme, code=code).exclude(
                state_id=self.instance.pk
            )
            for held in holders.select_related("state"):
                if _overlap(
                    data.get("valid_from"), data.get("valid_to"), held.valid_from, held.valid_to
                ):
                    span = f"{held.valid_from or '…'} to {held.valid_to or 'now'}"
                    form.add_error(
                        "code",
                        f"{held.state.name} holds {CodeScheme(scheme).label} {code} from {span}: "
                        "two states cannot hold one code at once. Give this state's years "
                        "outside those, or correct the other state's.",
                    )
                    break


class StatePeriodInline(admin.TabularInline):
    model = StatePeriod
    formset = StatePeriodFormSet
    extra = 0
    fields = [("started_on", "started_on_precision"), ("ended_on", "ended_on_precision"), "note"]


class StateCodeInline(admin.TabularInline):
    model = StateCode
    formset = StateCodeFormSet
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

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is not StateSuccession:
            return
        # A succession is shown on both states' forms: the other state's form,
        # opened before this save, would write the row back as it was. A new
        # version of the other state makes that form stale (refused, naming
        # who changed it), as a save of the state itself would.
        other = "predecessor_id" if formset.fk.name == "successor" else "successor_id"
        rows = [*formset.new_objects, *(row for row, _ in formset.changed_objects)]
        states = {getattr(row, other) for row in [*rows, *formset.deleted_objects]}
        new_versions(
            State,
            states - {form.instance.pk},
            request.user,
            f"succession changed on {form.instance.name}",
        )

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
