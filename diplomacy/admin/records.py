"""Admin for the records of relations: treaties, visits, projects."""

import re

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from simple_history.models import SIMPLE_HISTORY_REVERSE_ATTR_NAME

from diplomacy.admin.base import (
    CuratedAdmin,
    VersionedAdmin,
    VersionedForm,
    citation_inline,
    year_filter,
)
from diplomacy.admin.forms import PartialDatesModelForm, kept_forms
from diplomacy.admin.importing import ImportMixin
from diplomacy.choices import BILATERAL_KINDS, IdentifierScheme, TreatyKind
from diplomacy.duplicates import probable_duplicates
from diplomacy.models import (
    Commitment,
    CommitmentKind,
    Project,
    ProjectCitation,
    Treaty,
    TreatyCitation,
    TreatyIdentifier,
    TreatyParty,
    TreatyRelation,
    Visit,
    VisitCitation,
)
from diplomacy.models.states import existence_errors
from diplomacy.partial_dates import PartialDate, normalise
from diplomacy.restoring import links_as_of, parties_as_of, restore_rows

# The checkbox with which an editor confirms a treaty that looks like a duplicate.
SAVE_ANYWAY = "save_anyway"


class TreatyPartyFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = kept_forms(self)
        kind = self.instance.kind if self.instance else None
        try:
            Treaty.validate_party_count(kind, len(kept))
        except ValidationError as exc:
            kinds = sorted(str(TreatyKind(value).label).lower() for value in BILATERAL_KINDS)
            needing_two = ", ".join(kinds)
            raise ValidationError(
                f"{' '.join(exc.messages)} Add the other party in the rows below "
                f"(the kinds that bind two states: {needing_two})."
            ) from exc
        # Each party existed on the date it joined, else the treaty's first
        # known date, and on each date it acted as a state (SPEC 3.9).
        dated = self.instance.codes_date()
        named = []
        for n, form in enumerate(kept):
            state, party = form.cleaned_data["state"], form.instance
            named.append((n, state, party.partial("consented_on") or dated))
            named += [(n, state, on) for on in party.acting_dates()]
        for n, messages in existence_errors(named).items():
            for message in messages:
                kept[n].add_error("state", message)
        if any(self.errors):
            return
        if self.instance.pk is None and not self.data.get(SAVE_ANYWAY):
            self.warn_of_duplicates([form.cleaned_data["state"].pk for form in kept])

    def warn_of_duplicates(self, party_ids) -> None:
        """A new treaty that matches a record already in the register is not saved
        until the editor, having seen the link, ticks "save anyway"."""
        treaty = self.instance
        matches = list(
            probable_duplicates(
                kind=treaty.kind,
                signed_on=normalise(treaty.signed_on, treaty.signed_on_precision),
                signed_on_precision=treaty.signed_on_precision,
                party_ids=party_ids,
            )[:5]
        )
        if not matches:
            return
        links = format_html_join(
            ", ",
            '<a href="{}" target="_blank">{}</a>',
            (
                (reverse("admin:diplomacy_treaty_change", args=[match.pk]), match.title)
                for match in matches
            ),
        )
        raise ValidationError(
            format_html(
                "This looks like a treaty already in the register (same kind, parties and "
                "date of signature): {}. Check it; if this is another document, "
                '<label><input type="checkbox" name="{}" value="1"> save anyway</label> '
                "and save again.",
                links,
                SAVE_ANYWAY,
            ),
            code="probable_duplicate",
        )


# Membership over time (SPEC 3.10): how and when it joined, entry into
# force for it, and its exit; a ratification date alone is consent by
# ratification.
PARTY_FIELDS = [
    "state",
    "consent_mode",
    "consented_on",
    "entry_into_force_on",
    "left_on",
    "exit_kind",
    "ratified_on",
    "note",
]


class TreatyPartyForm(PartialDatesModelForm):
    """A party row: each date typed as it is known, its precision derived
    (diplomacy.admin.forms); a row added with no dates needs no precision."""

    class Meta:
        model = TreatyParty
        fields = PARTY_FIELDS


class TreatyPartyInline(admin.TabularInline):
    model = TreatyParty
    form = TreatyPartyForm
    formset = TreatyPartyFormSet
    autocomplete_fields = ["state"]
    fields = PARTY_FIELDS

    def get_extra(self, request, obj=None, **kwargs):
        # Most treaties are bilateral: a new one starts with two party rows.
        return 2 if obj is None else 0


class TreatyRelationInline(admin.TabularInline):
    model = TreatyRelation
    fk_name = "from_treaty"
    extra = 0
    autocomplete_fields = ["to_treaty"]
    verbose_name = "related treaty"
    verbose_name_plural = "related treaties (this treaty … that treaty)"


class TreatyIdentifierFormSet(forms.BaseInlineFormSet):
    def clean(self):
        """One identifier per register (any number of "other" ones): the
        database's constraint, said on the form rather than as a server error."""
        super().clean()
        if any(self.errors):
            return
        schemes = [form.cleaned_data["scheme"] for form in kept_forms(self)]
        repeated = sorted(
            {s for s in schemes if s != IdentifierScheme.OTHER and schemes.count(s) > 1}
        )
        if repeated:
            names = ", ".join(str(IdentifierScheme(s).label) for s in repeated)
            raise ValidationError(
                f"A treaty has one identifier in each register: {names} is given more than "
                "once. Keep one (or give the others as “other”, naming their register)."
            )


class TreatyIdentifierInline(admin.TabularInline):
    model = TreatyIdentifier
    formset = TreatyIdentifierFormSet
    extra = 0
    fields = ["scheme", "scheme_name", "value"]
    verbose_name = "identifier in another register"
    verbose_name_plural = "identifiers in other registers (UNTS, ATOP, Wikidata, …)"


class CommitmentFormSet(forms.BaseInlineFormSet):
    def clean(self):
        """A commitment binds parties only: the parties as this same form
        sends them (the party rows above, as edited, less those deleted)."""
        super().clean()
        if any(self.errors):
            return
        parties = _party_rows_sent(self.data)
        for form in kept_forms(self):
            bound = form.cleaned_data.get("parties_bound") or []
            if message := Commitment.not_parties(bound, parties):
                form.add_error("parties_bound", message)


def _party_rows_sent(data) -> set[int]:
    """The states of the party rows a change form sends, less those deleted.
    The rows are found among the fields sent, so a tampered count of them
    costs nothing here: the party rows' own formset reports it."""
    prefix = _party_rows_prefix()
    try:
        count = int(data.get(f"{prefix}-TOTAL_FORMS") or 0)
    except ValueError:
        return set()
    # A row number has a few digits (Django reads at most 2,000 rows): a
    # longer one is no row, and never made into an int (Python refuses 4,300+).
    row = re.compile(rf"{re.escape(prefix)}-(\d{{1,9}})-state")
    parties = set()
    for key in data:
        match = row.fullmatch(key)
        if not match or int(match[1]) >= count or data.get(f"{prefix}-{match[1]}-DELETE"):
            continue
        state = data.get(key)
        if state and str(state).isdigit():
            parties.add(int(state))
    return parties


class CommitmentInline(admin.StackedInline):
    """What the treaty binds its parties to (SPEC 3.11): kind, article, quote."""

    model = Commitment
    formset = CommitmentFormSet
    extra = 0
    autocomplete_fields = ["source", "parties_bound"]
    fields = [("kind", "article"), "quote", ("source", "locator"), "conditions", "parties_bound"]


class TreatyForm(VersionedForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if (version := restored_version(self.instance)) is not None:
            # A deleted treaty's revert page offers the links it had then.
            self.initial.update(links_as_of(Treaty, version))

    def clean(self):
        """The change form's party rows check themselves against the treaty
        (``TreatyPartyFormSet``, ``TreatyPartyForm``). A revert page sends
        none: the parties the treaty has must fit the version saved, by the
        same rules (two parties for an alliance; none joined before signing;
        each party that joined on signing existed on the date signed)."""
        cleaned = super().clean()
        if self.instance.pk is None or _party_rows_prefix() + "-TOTAL_FORMS" in self.data:
            return cleaned
        parties = list(
            TreatyParty.objects.filter(treaty_id=self.instance.pk).select_related("state")
        )
        version = restored_version(self.instance)
        if version is not None:
            # A deleted treaty comes back with the parties it had then (diplomacy.restoring).
            parties = parties_as_of(self.instance.pk, version.history_date)
        if "kind" in cleaned:
            try:
                Treaty.validate_party_count(cleaned["kind"], len(parties))
            except ValidationError as exc:
                self.add_error("kind", exc)
        if "signed_on" in cleaned:
            signed_on = cleaned["signed_on"]  # add_error takes it out of cleaned
            version = Treaty(
                signed_on=signed_on,
                signed_on_precision=self.instance.signed_on_precision,
            )
            for party in parties:
                try:
                    TreatyParty.validate_membership(party, version)
                except ValidationError as exc:
                    problems = " ".join(m for ms in exc.message_dict.values() for m in ms)
                    self.add_error("signed_on", f"{party.state}: {problems}")
            named = [
                ("signed_on", party.state, version.signed)
                for party in parties
                if party.consented_on is None
            ]
            for messages in existence_errors(named).values():
                for message in messages:
                    self.add_error("signed_on", message)
        return cleaned


def _party_rows_prefix() -> str:
    """The prefix of the party rows' fields, as Django names an inline's formset."""
    return TreatyParty._meta.get_field("treaty").remote_field.get_accessor_name()


class StatesOnTheDateForm(VersionedForm):
    """A visit's or project's form: each state it names existed on its start
    date (SPEC 3.9), as the API and the import check."""

    state_fields: tuple[str, ...] = ()

    def clean(self):
        cleaned = super().clean()
        # The start as typed, at its precision (``PartialDatesFormMixin``).
        start = cleaned.get("start_on")
        on = PartialDate(start, self.instance.start_on_precision) if start else None
        named = []
        for field in self.state_fields:
            value = cleaned.get(field)
            states = value if isinstance(value, models.QuerySet) else [value]
            named += [(field, state, on) for state in states]
        for field, messages in existence_errors(named).items():
            for message in messages:
                self.add_error(field, message)
        return cleaned


class VisitForm(StatesOnTheDateForm):
    state_fields = ("host", "guest")


class ProjectForm(StatesOnTheDateForm):
    state_fields = ("states", "location_state")


def restored_version(treaty):
    """The version a revert page brings a deleted treaty back from; None when
    the form is no such page, or the treaty exists."""
    version = getattr(treaty, SIMPLE_HISTORY_REVERSE_ATTR_NAME, None)
    if version is None or Treaty.objects.filter(pk=treaty.pk).exists():
        return None
    return version


@admin.register(Treaty)
class TreatyAdmin(ImportMixin, CuratedAdmin):
    form = TreatyForm

    def save_model(self, request, obj, form, change):
        version = restored_version(obj)
        super().save_model(request, obj, form, change)
        if version is not None:
            restore_rows(obj, version)

    import_kind = "treaty"
    also_imports = ("membership",)
    list_display = ["title", "kind", "status", "signed_display", "party_list", "is_published"]
    list_filter = [
        "is_published",
        "kind",
        "status",
        year_filter("signed_on", "year signed"),
        ("parties", admin.RelatedOnlyFieldListFilter),
        ("sectors", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["title", "short_title", "summary", "slug", "identifiers__value"]
    autocomplete_fields = ["signatories", "organizations", "sectors", "visit"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "signed_on"
    list_select_related = ["visit"]
    inlines = [
        TreatyPartyInline,
        TreatyRelationInline,
        TreatyIdentifierInline,
        CommitmentInline,
        citation_inline(TreatyCitation),
    ]
    fieldsets = [
        (None, {"fields": ["title", "short_title", "slug", ("kind", "status")]}),
        (
            "Dates and place",
            {
                "fields": [
                    "signed_on",
                    "place_signed",
                    "entry_into_force_on",
                    "ended_on",
                    "visit",
                ]
            },
        ),
        ("Who", {"fields": ["signatories", "organizations", "sectors"]}),
        ("Content", {"fields": ["summary", "full_text_url", "notes"]}),
        ("Publication", {"fields": ["is_published", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).for_list()

    @admin.display(description="signed", ordering="signed_on")
    def signed_display(self, obj):
        return str(obj.signed) if obj.signed else "—"

    @admin.display(description="parties")
    def party_list(self, obj):
        return ", ".join(row.state.display_code for row in obj.party_rows)


@admin.register(Visit)
class VisitAdmin(ImportMixin, CuratedAdmin):
    form = VisitForm
    import_kind = "visit"
    list_display = ["title", "kind", "level", "host", "guest", "start_display", "is_published"]
    list_filter = [
        "is_published",
        "kind",
        "level",
        year_filter("start_on", "year"),
        ("host", admin.RelatedOnlyFieldListFilter),
        ("guest", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["host", "guest"]
    search_fields = ["title", "summary", "city", "slug"]
    autocomplete_fields = ["host", "guest", "principals"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "start_on"
    inlines = [citation_inline(VisitCitation)]
    fieldsets = [
        (None, {"fields": ["title", "slug", ("kind", "level")]}),
        ("Who and where", {"fields": [("host", "guest"), "principals", "city"]}),
        ("When", {"fields": ["start_on", "end_on"]}),
        ("Content", {"fields": ["summary", "notes"]}),
        ("Publication", {"fields": ["is_published", "created_at", "updated_at"]}),
    ]

    @admin.display(description="start", ordering="start_on")
    def start_display(self, obj):
        return str(obj.start) if obj.start else "—"


@admin.register(Project)
class ProjectAdmin(ImportMixin, CuratedAdmin):
    form = ProjectForm
    import_kind = "project"
    list_display = ["name", "kind", "status", "value_display", "start_display", "is_published"]
    list_filter = [
        "is_published",
        "kind",
        "status",
        year_filter("start_on", "year started"),
        ("states", admin.RelatedOnlyFieldListFilter),
        ("sectors", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["name", "description", "city", "slug"]
    autocomplete_fields = [
        "states",
        "organizations",
        "sectors",
        "location_state",
        "treaty",
        "visit",
    ]
    prepopulated_fields = {"slug": ["name"]}
    date_hierarchy = "start_on"
    inlines = [citation_inline(ProjectCitation)]
    fieldsets = [
        (None, {"fields": ["name", "slug", ("kind", "status")]}),
        (
            "Who and where",
            {"fields": ["states", "organizations", "sectors", ("city", "location_state")]},
        ),
        ("Value", {"fields": [("value_amount", "value_currency"), "value_note"]}),
        (
            "When",
            {
                "fields": [
                    "start_on",
                    "completion_on",
                ]
            },
        ),
        ("Context", {"fields": ["treaty", "visit", "description", "notes"]}),
        ("Publication", {"fields": ["is_published", "created_at", "updated_at"]}),
    ]

    @admin.display(description="value", ordering="value_amount")
    def value_display(self, obj):
        if obj.value_amount is None:
            return "—"
        return f"{obj.value_amount:,.0f} {obj.value_currency}"

    @admin.display(description="start", ordering="start_on")
    def start_display(self, obj):
        return str(obj.start) if obj.start else "—"


@admin.register(CommitmentKind)
class CommitmentKindAdmin(VersionedAdmin):
    """Editors may add values to the vocabulary; the values SPEC 3.11 names
    stay. A kind's label shows on every treaty and relations page: two
    editors' changes are not merged silently, and each is in its history."""

    list_display = ["value", "label", "makes_alliance", "order"]
    search_fields = ["value", "label"]

    def get_readonly_fields(self, request, obj=None):
        # A value in use is an address and an API value: it never changes.
        return ["value"] if obj else []
