"""One FilterSet per public model: the HTML list, the CSV export and the API use them.

Parameter names are the contract of SPEC section 4. States are named by their
ISO alpha-2 code in any case (``party=az&party=UZ``); sectors and people by slug.
A filter by a related record knows only the published ones: a draft's slug or
code is refused exactly as an unknown one is, so a filter cannot reveal drafts.
A repeatable parameter counts each value once and takes at most
``MAX_REPEATED_VALUES`` different ones (a fixed vocabulary such as ``kind``:
all of its values).
"""

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db.models import Exists, F, OuterRef, Q
from django.forms.renderers import Jinja2
from django.utils.html import format_html, format_html_join
from django_filters import fields as filter_fields

from diplomacy.any_of import AnyOf
from diplomacy.caching import cached, cached_objects
from diplomacy.choices import (
    IdentifierScheme,
    ProjectKind,
    ProjectStatus,
    TreatyKind,
    TreatyStatus,
    VisitKind,
    VisitLevel,
)
from diplomacy.models import (
    Commitment,
    Person,
    Project,
    State,
    Treaty,
    TreatyIdentifier,
    TreatyParty,
    Visit,
)
from diplomacy.models.commitments import commitment_kind_ids, commitment_kinds_by_pk
from diplomacy.models.reference import published_sectors_by_pk, published_states_by_pk
from diplomacy.models.treaties import (
    bound_two_parties_on,
    party_member_on,
    treaty_in_force_on,
)
from diplomacy.pagination import order_column
from diplomacy.search import search_queryset
from diplomacy.visibility import can_view_drafts
from diplomacy.widgets import NumberInput, RememberedCheckboxes, RememberedSelect, StateNameInputs

# Different states one repeatable state filter takes (``party``, a project's
# ``state``). Each adds an EXISTS subquery, and PostgreSQL's planning time grows
# steeply with their number before it levels off: on 100,000 treaties (a busy
# 2-core machine) 2.5 ms for 4 states, 60 to 100 ms for 7 to 12. ``party=az``
# 300 times took 539 s before values were de-duplicated and capped.
MAX_REPEATED_VALUES = 10
# A related record that is not published answers as one that does not exist.
INVALID_CHOICE = "Select a valid choice. %(value)s is not one of the available choices."


# -- choices: the published states and sectors, read once per data version -------------------


def state_codes() -> dict[str, int]:
    """Each published state's lower-case ISO alpha-2 code and its primary key,
    by name. Filters name states by code but query by key: the planner then
    knows how many treaties that particular state has (column statistics)."""
    return cached_objects(
        "choices:state-ids",
        lambda: {state.code: pk for pk, state in published_states_by_pk().items()},
    )


def state_choices() -> list[tuple[str, str]]:
    return cached_objects(
        "choices:states",
        lambda: [(state.code, state.name) for state in published_states_by_pk().values()],
    )


def state_names() -> dict[str, str]:
    """What a state input shows for each published state's code: its name,
    or where two states share a name (a state and its former namesake) the
    name with the code, ``Germany (DE)``."""

    def build():
        states = published_states_by_pk().values()
        counts: dict[str, int] = {}
        for state in states:
            counts[state.name.lower()] = counts.get(state.name.lower(), 0) + 1
        return {
            state.code: state.name
            if counts[state.name.lower()] == 1
            else f"{state.name} ({state.code.upper()})"
            for state in states
        }

    return cached_objects("choices:state-names", build)


def state_lookup() -> dict[str, str]:
    """Each way a reader may name a published state, in lower case, and its
    code: the code, the name (when no other state has it) and what the state
    input shows (``germany (de)``)."""

    def build():
        names = state_names()
        lookup: dict[str, str] = {}
        for code, shown in names.items():
            lookup[shown.lower()] = code
        for state in published_states_by_pk().values():
            lookup.setdefault(state.name.lower(), state.code)
        lookup.update({code: code for code in names})
        return lookup

    return cached_objects("choices:state-lookup", build)


def state_code(value: str) -> str:
    """A reader's name or code for a state as its code in lower case; what
    names no published state comes back lower-cased, to be refused."""
    key = " ".join(str(value).split()).lower()
    return state_lookup().get(key, key)


def state_datalist():
    """The ``<datalist>`` a form's state inputs suggest from: every published
    state's name, with its code beside it. Built once per data version (the
    list a filtered page shows is the same for every visitor)."""

    def build():
        by_pk = published_states_by_pk().values()
        names = state_names()
        options = format_html_join(
            "",
            '<option value="{}">{}</option>',
            (
                (names[s.code], s.code.upper() if s.iso2 else f"{s.code.upper()}, former state")
                for s in by_pk
            ),
        )
        return format_html('<datalist id="{}">{}</datalist>', StateNameInputs.datalist_id, options)

    return cached_objects("choices:state-datalist", build)


# A commitment kind on fewer treaties than this is read through its own rows
# (``with_commitment``). The list walks treaties newest first and stops at a
# page: for a common kind that walk is short, each treaty asked for the kind
# (EXISTS on the (kind, treaty) index); for a rare one it reads most of the
# register (at 1,000,000 treaties, 2,068 with ``defence``: 700 ms).
RARE_COMMITMENT_ROWS = 5000


def commitment_rows_up_to_limit(kind_id: int) -> int:
    """How many commitments of a kind there are, counted up to the limit (an
    index-only count that stops there), once per data version."""
    return cached(
        f"commitment-rows:{kind_id}",
        # Unordered: the model's order would join and sort every row of the kind.
        lambda: (
            Commitment.objects.filter(kind_id=kind_id).order_by()[:RARE_COMMITMENT_ROWS].count()
        ),
    )


def treaties_of_rare_kind(kind_id: int) -> list[int]:
    """The treaties holding a rare kind (fewer than RARE_COMMITMENT_ROWS rows),
    read once per data version from the (kind, treaty) index."""
    return cached(
        f"commitment-treaties:{kind_id}",
        lambda: list(
            Commitment.objects.filter(kind_id=kind_id)
            .order_by()
            .values_list("treaty_id", flat=True)
            .distinct()
        ),
    )


def with_commitment(queryset, kind_id: int, published_only: bool, tie_break: str = "pk"):
    """The treaties of ``queryset`` with a commitment of a rare kind, read
    through that commitment's row in the list's order.

    Reading the kind's treaties first and sorting them all costs what the
    kind holds (at 1,000,000 treaties, 2,068 with ``defence``: 8 ms of the
    page's query). Instead each treaty is joined to its (first) row of the
    kind, whose copies of the treaty's signature date and publication
    (migration 0018) the list sorts by: on PostgreSQL a page is one range of
    the (kind, date, treaty) index, the treaty rows read by key (0.3 ms),
    whatever the register's size. Sorting by the copy, through the
    ``signed_on_copy`` alias, is sorting by the treaty's date: the database
    keeps them equal. The date's other sorts (``ordering``, keyset cursors)
    use the alias too (``diplomacy.pagination.order_column``)."""
    rows = {"commitments__kind_id": kind_id}
    if published_only:
        # What lets PostgreSQL read the index, which holds published treaties only.
        rows["commitments__treaty_is_published"] = True
    queryset = queryset.filter(**rows).alias(
        signed_on_copy=F("commitments__treaty_signed_on"), commitment_row=F("commitments__pk")
    )
    # A treaty with the kind twice is listed once: through its first row of it.
    queryset = queryset.filter(
        ~Exists(
            Commitment.objects.filter(
                treaty_id=OuterRef("pk"), kind_id=kind_id, pk__lt=OuterRef("commitment_row")
            )
        )
    )
    # ``Treaty.Meta.ordering``, newest first, undated last, through the copy;
    # an ``ordering`` asked for (the last filter applied) sorts by the copy too.
    return queryset.order_by(F("signed_on_copy").desc(nulls_last=True), f"-{tie_break}")


def commitment_choices() -> list[tuple[str, str]]:
    return [(kind.value, kind.label) for kind in commitment_kinds_by_pk().values()]


def sector_choices() -> list[tuple[str, str]]:
    return cached_objects(
        "choices:sectors",
        lambda: [(sector.slug, sector.name) for sector in published_sectors_by_pk().values()],
    )


# -- form fields ------------------------------------------------------------------------------


# Pairs of bounds a form refuses in the wrong order: (lower, upper, how to say it).
RANGES = (("year_min", "year_max", "is before"), ("value_min", "value_max", "is less than"))


class FilterForm(forms.Form):
    # Django's Jinja2 widget templates render the state list's 249 options in
    # about half the time its DTL ones take; the public pages are Jinja2 anyway.
    default_renderer = Jinja2()

    def clean(self):
        # "From 2024 to 2020" would match nothing, silently: say so instead.
        cleaned = super().clean()
        for low, high, relation in RANGES:
            start, end = cleaned.get(low), cleaned.get(high)
            if start is not None and end is not None and end < start:
                self.add_error(
                    high,
                    ValidationError(
                        "“%(high)s” (%(end)s) %(relation)s “%(low)s” (%(start)s): "
                        "swap them or change one.",
                        code="range_reversed",
                        params={
                            "high": self.fields[high].label,
                            "low": self.fields[low].label,
                            "end": f"{end:g}" if isinstance(end, float) else end,
                            "start": f"{start:g}" if isinstance(start, float) else start,
                            "relation": relation,
                        },
                    ),
                )
        return cleaned

    @property
    def state_datalist(self):
        """The suggestions of the form's state inputs, if it has any."""
        if any(isinstance(f.widget, StateNameInputs) for f in self.fields.values()):
            return state_datalist()
        return ""


class DistinctValuesField(filter_fields.MultipleChoiceField):
    """A repeatable filter's field: a value given twice counts once, and more
    than ``max_values`` different ones are refused with a message naming the
    parameter (each value can cost the query a subquery)."""

    widget = RememberedCheckboxes

    def __init__(self, *args, parameter: str = "", max_values: int = MAX_REPEATED_VALUES, **kwargs):
        self.parameter = parameter
        self.max_values = max_values
        super().__init__(*args, **kwargs)

    def normalize(self, value: str) -> str:
        return value

    def to_python(self, value) -> list[str]:
        values = list(dict.fromkeys(self.normalize(v) for v in super().to_python(value)))
        if len(values) > self.max_values:
            raise ValidationError(
                "Give at most %(max)d different values for “%(name)s”; %(count)d were given.",
                code="too_many_values",
                params={"max": self.max_values, "name": self.parameter, "count": len(values)},
            )
        return values


class PublishedStateCodes:
    """A state filter's codes: a name or a code in any case (``Uzbekistan``,
    ``UZ``), valid if a published state has it (one dictionary lookup, where
    Django's ``valid_value`` walks the 249 choices for each value given). A
    draft state's code is as unknown as ``zz``."""

    def normalize(self, value: str) -> str:
        return state_code(value)

    def widget_attrs(self, widget):
        # The inputs show each chosen state by name.
        if isinstance(widget, StateNameInputs):
            widget.display = lambda code: state_names().get(code, code)
        return super().widget_attrs(widget)

    def valid_value(self, value) -> bool:
        return str(value) in state_codes()


class StateChoiceField(PublishedStateCodes, filter_fields.ChoiceField):
    """A filter form's state, by its ISO alpha-2 code in lower case."""

    widget = StateNameInputs

    def to_python(self, value) -> str:
        return self.normalize(super().to_python(value))

    def bound_data(self, data, initial):
        # The form shows ``UZ`` as the state it chose: the option ``uz``.
        return self.normalize(data) if isinstance(data, str) else data


class StateMultipleChoiceField(PublishedStateCodes, DistinctValuesField):
    """A filter form's states, each by its ISO alpha-2 code in lower case, each once."""

    widget = StateNameInputs

    def bound_data(self, data, initial):
        return [self.normalize(v) if isinstance(v, str) else v for v in data or ()]


class PersonField(filter_fields.ModelChoiceField):
    """A published person by slug (the API's and old links' form) or by name,
    in any case, as a reader types it."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return super().to_python(value)
        except ValidationError:
            name = " ".join(str(value).split())
            person = self.queryset.filter(name__iexact=name).order_by("pk").first()
            if person is None:
                raise
            return person


# -- filters ----------------------------------------------------------------------------------


class PersonFilter(filters.ModelChoiceFilter):
    field_class = PersonField


class IntegerFilter(filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", NumberInput)
        super().__init__(*args, **kwargs)


class YearFilter(IntegerFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 9999)
        super().__init__(*args, **kwargs)


class DistinctValuesFilter(filters.MultipleChoiceFilter):
    """A repeatable filter over a fixed vocabulary (kind, status, level): each
    value once, and every value of the vocabulary may be chosen at once."""

    field_class = DistinctValuesField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("distinct", False)
        choices = kwargs.get("choices")
        if not callable(choices):
            kwargs.setdefault("max_values", max(MAX_REPEATED_VALUES, len(choices or ())))
        super().__init__(*args, **kwargs)

    @property
    def field(self):
        # The error names the parameter, known once the FilterSet class has named the filter.
        self.extra.setdefault("parameter", self.field_name)
        return super().field


class StatesFilter(DistinctValuesFilter):
    """Published states by code, repeatable: the FilterSet's ``method`` joins them."""

    field_class = StateMultipleChoiceField

    def __init__(self, *args, item_label="State", **kwargs):
        kwargs.setdefault(
            "widget",
            StateNameInputs(multiple=True, item_label=item_label, max_inputs=MAX_REPEATED_VALUES),
        )
        super().__init__(*args, choices=state_choices, **kwargs)


class StateFilter(filters.ChoiceFilter):
    """One published state by code; its value is the state's primary key."""

    field_class = StateChoiceField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, choices=state_choices, **kwargs)

    def filter(self, qs, value):
        return super().filter(qs, state_codes()[value] if value else value)


class SearchFilter(filters.CharFilter):
    """``q``: words that must all appear in the FilterSet's ``search_fields``."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", "Search")
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("help_text", "Words that must all appear in the title, summary or names.")
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        fields = self.parent.search_fields
        paths = self.parent.search_state_paths
        return search_queryset(qs, value, fields, fields[0], state_paths=paths)


class OrderingNamesField(filter_fields.BaseCSVField):
    """Comma-separated field names, none of them empty: ``ordering=,-title``
    names no field, and saying so beats guessing what was meant."""

    def clean(self, value):
        if value and any(not name for name in value):
            raise ValidationError(
                "A field name in ordering is empty: separate names with single commas."
            )
        return super().clean(value)


class StableOrderingFilter(filters.OrderingFilter):
    """Orders by the chosen field, empty dates last, then by pk so pages never overlap."""

    base_field_class = OrderingNamesField

    def __init__(self, *args, **kwargs):
        # The default order is the list's own, newest first.
        kwargs.setdefault("empty_label", "Newest first")
        super().__init__(*args, **kwargs)

    def get_ordering_value(self, param, qs=None):
        descending = param.startswith("-")
        field = self.param_map[param.lstrip("-")]
        # A filter may have joined rows holding a copy of the field in an
        # index's order (``with_commitment``): sorting by the copy reads that index.
        expression = F(field if qs is None else order_column(qs, field))
        return expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)

    def filter(self, qs, value):
        if value in ([], (), {}, "", None):
            return qs
        return self.order(qs, value, self.parent.tie_break)

    def order(self, qs, names: list[str], tie_break: str):
        """``qs`` sorted by the ``ordering`` names, records of equal keys by
        ``tie_break`` in the direction of the first name."""
        ordering = [self.get_ordering_value(param, qs) for param in names]
        return qs.order_by(*ordering, f"-{tie_break}" if names[0].startswith("-") else tie_break)


# -- FilterSets -------------------------------------------------------------------------------


def signed_by(day) -> Q:
    """What ``treaty_in_force_on(day)`` implies of the signature date, said so
    that the database can use it: a treaty in force on ``day`` was signed on or
    before it (entry into force is never before signature), or its signature
    date is unknown. The list walks treaties newest signature first, so
    ``signed_on <= day`` starts the walk at ``day`` (at 1,000,000 treaties
    3.5 s became under a millisecond); the ``IS NULL`` arm, which the index
    cannot start from, is added only while some treaty has an entry into force
    and no signature date (checked once per data version)."""
    undated_in_force = cached(
        "treaties-undated-in-force",
        lambda: Treaty.objects.filter(
            signed_on__isnull=True, entry_into_force_on__isnull=False
        ).exists(),
    )
    signed = Q(signed_on__lte=day)
    return signed | Q(signed_on__isnull=True) if undated_in_force else signed


class RegisterFilterSet(filters.FilterSet):
    # The fields ``q`` searches, the first one a record's name (search ranks by it).
    search_fields: tuple[str, ...] = ()
    # Relations to State: ``q`` also finds the records of the states it names.
    search_state_paths: tuple[str, ...] = ()
    # What orders records of equal keys: ``pk`` (when the register created
    # them) on pages, which walk by it; ``slug`` in a download, whose order an
    # import into another register keeps (diplomacy.exports).
    tie_break = "pk"

    class Meta:
        form = FilterForm

    def filter_queryset(self, queryset):
        if self.tie_break != "pk" and "ordering" in self.filters:
            # The list's own order (``keyset_default``, its model's ordering),
            # stated with the tie-break; a filter that sorts replaces it.
            queryset = self.filters["ordering"].order(
                queryset, [self.keyset_default], self.tie_break
            )
        return super().filter_queryset(queryset)


def record_filters(date_field: str, year_label: str, kinds) -> type[RegisterFilterSet]:
    """What the treaty, visit and project lists filter by alike: ``q``, the
    year of ``date_field`` (``year``, ``year_min``, ``year_max``) and ``kind``."""

    class RecordFilterSet(RegisterFilterSet):
        q = SearchFilter()
        year = YearFilter(field_name=date_field, lookup_expr="year", label=year_label)
        year_min = YearFilter(field_name=date_field, lookup_expr="year__gte", label="From year")
        year_max = YearFilter(field_name=date_field, lookup_expr="year__lte", label="To year")
        kind = DistinctValuesFilter(choices=kinds, label="Kind")

    return RecordFilterSet


class TreatyFilterSet(record_filters("signed_on", "Year signed", TreatyKind.choices)):
    status = DistinctValuesFilter(choices=TreatyStatus.choices, label="Status")
    party = StatesFilter(
        method="filter_party",
        label="Parties",
        item_label="Party",
        help_text="Type a state's name or code, e.g. Uzbekistan or UZ; with several, "
        f"every one must be a party (at most {MAX_REPEATED_VALUES}).",
    )
    sector = filters.ChoiceFilter(
        field_name="sectors__slug",
        choices=sector_choices,
        label="Sector",
        empty_label="Any sector",
        distinct=False,
        widget=RememberedSelect,
    )
    commitment = DistinctValuesFilter(
        choices=commitment_choices,
        method="filter_commitment",
        label="Commitments",
        help_text="Treaties that hold every commitment chosen.",
        max_values=MAX_REPEATED_VALUES,
    )
    in_force_on = filters.DateFilter(
        method="filter_in_force_on",
        label="In force on",
        help_text="A day as YYYY-MM-DD: treaties in force that day; with parties, in force "
        "for each of them. Where no entry into force is recorded, a treaty that binds counts "
        "from its signature.",
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Give a date as YYYY-MM-DD, e.g. 2005-11-14."},
    )
    identifier = filters.CharFilter(
        method="filter_identifier",
        label="Identifier",
        max_length=120,
        help_text="scheme:value in another register, e.g. wikidata:Q42 or unts:54113.",
        validators=[
            RegexValidator(
                r"^[a-z][a-z0-9_ -]{0,59}:.+$",
                "Give scheme:value, e.g. wikidata:Q42, atop:3755, unts:54113.",
            )
        ],
    )
    ordering = StableOrderingFilter(
        fields=(
            ("signed_on", "signed_on"),
            ("title", "title"),
            ("kind", "kind"),
            ("status", "status"),
        ),
        field_labels={
            "signed_on": "Date signed",
            "title": "Title",
            "kind": "Kind",
            "status": "Status",
        },
        label="Sort by",
    )

    search_fields = ("title", "short_title", "summary")
    search_state_paths = ("parties",)

    # The API's keyset cursor and deep HTML pages walk the same order.
    keyset_orderings = {
        "signed_on": "signed_on",
        "title": "title",
        "kind": "kind",
        "status": "status",
    }
    keyset_default = "-signed_on"

    class Meta(RegisterFilterSet.Meta):
        model = Treaty
        fields = []  # every filter is declared

    def filter_identifier(self, queryset, name, value: str):
        scheme, _, code = value.partition(":")
        known = {choice.value for choice in IdentifierScheme} - {IdentifierScheme.OTHER}
        match = (
            Q(scheme=scheme, value=code)
            if scheme in known
            else Q(scheme=IdentifierScheme.OTHER, scheme_name__iexact=scheme, value=code)
        )
        return queryset.filter(
            Exists(TreatyIdentifier.objects.filter(match, treaty=OuterRef("pk")))
        )

    def filter_in_force_on(self, queryset, name, value):
        # With ``party``, the chosen states' own membership counts too: from
        # each one's own joining date, until it left (one EXISTS per state,
        # as ``filter_party``).
        queryset = queryset.filter(
            treaty_in_force_on(value) & signed_by(value) & bound_two_parties_on(value)
        )
        ids = state_codes()
        for code in self.form.cleaned_data.get("party") or ():
            queryset = queryset.filter(
                Exists(
                    TreatyParty.objects.filter(
                        party_member_on(value, state_id=ids[code]),
                        treaty=OuterRef("pk"),
                        state_id=ids[code],
                    )
                )
            )
        return queryset

    def lists_published_only(self) -> bool:
        """Whether the list holds published treaties only. A FilterSet made
        without a request serves the public pages, feeds and charts, which
        list published records only; the API passes its request, and its
        staff who may view drafts list them too (``visible_records``)."""
        user = getattr(self.request, "user", None)
        return self.request is None or not can_view_drafts(user, Treaty)

    def filter_commitment(self, queryset, name, value: list[str]):
        # One EXISTS per kind, each read from the (kind, treaty) index; the
        # rarest kind, when rare, through its rows in the list's order by
        # date (``with_commitment``), or by its treaties' keys when searched
        # or sorted otherwise (``treaties_of_rare_kind``).
        # Not a common one: the walk newest first finds its treaties soon, and
        # a join would let another filter's cost (a search's) mislead the
        # planner into sorting all of the kind's treaties.
        ids = commitment_kind_ids()
        kinds = sorted({ids[code] for code in value}, key=commitment_rows_up_to_limit)
        if kinds and commitment_rows_up_to_limit(kinds[0]) < RARE_COMMITMENT_ROWS:
            ordering = self.form.cleaned_data.get("ordering") or ["-signed_on"]
            if ordering[0].lstrip("-") == "signed_on" and not self.form.cleaned_data.get("q"):
                queryset = with_commitment(
                    queryset, kinds.pop(0), self.lists_published_only(), self.tie_break
                )
            else:
                # Sorted otherwise, or searched (a costly question of each
                # treaty: full text, title similarity, party names), the kind's
                # few treaties are named by key, so the database reads them
                # first and sorts or searches only them: at 1,000,000 treaties,
                # ``q=agreement&commitment=defence`` took 7 s as a join or a
                # subquery (PostgreSQL searched the whole register first).
                queryset = queryset.filter(AnyOf(F("pk"), treaties_of_rare_kind(kinds.pop(0))))
        for kind_id in kinds:
            queryset = queryset.filter(
                Exists(Commitment.objects.filter(treaty=OuterRef("pk"), kind_id=kind_id))
            )
        return queryset

    def filter_party(self, queryset, name, value: list[str]):
        # One EXISTS per state (at most MAX_REPEATED_VALUES, each state once):
        # the planner starts from the state with the fewest treaties, by its
        # own statistics. One GROUP BY ... HAVING COUNT over every chosen
        # state's party rows plans at once but reads all of their rows: on
        # 100,000 treaties a page of two common states took 156 ms against 6.
        if self.form.cleaned_data.get("in_force_on"):
            # ``filter_in_force_on`` asks the same of each state's party row,
            # with its membership on that day: a second EXISTS per state made
            # the planner's choice worse (at 1,000,000 treaties 105 ms against 41).
            return queryset
        ids = state_codes()
        for code in value:
            queryset = queryset.filter(
                Exists(TreatyParty.objects.filter(treaty=OuterRef("pk"), state_id=ids[code]))
            )
        return queryset


class VisitFilterSet(record_filters("start_on", "Year", VisitKind.choices)):
    level = DistinctValuesFilter(choices=VisitLevel.choices, label="Level")
    host = StateFilter(
        field_name="host_id", label="Host state", help_text="A name or code, e.g. Azerbaijan or AZ."
    )
    guest = StateFilter(field_name="guest_id", label="Guest state")
    state = StateFilter(method="filter_state", label="Host or guest")
    person = PersonFilter(
        field_name="principals",
        queryset=Person.objects.published(),
        to_field_name="slug",
        label="Person",
        help_text="A name as the register writes it, e.g. Ilham Aliyev.",
        distinct=False,
        # The name is typed: a list of every person would be the longest part of the page.
        widget=forms.TextInput,
        error_messages={"invalid_choice": INVALID_CHOICE},
    )
    ordering = StableOrderingFilter(
        fields=(("start_on", "start_on"), ("title", "title"), ("kind", "kind")),
        field_labels={"start_on": "Date", "title": "Title", "kind": "Kind"},
        label="Sort by",
    )

    search_fields = ("title", "summary", "city")
    search_state_paths = ("host", "guest")

    # The API's keyset cursor and deep HTML pages walk the same order.
    keyset_orderings = {"start_on": "start_on", "title": "title", "kind": "kind"}
    keyset_default = "-start_on"

    class Meta(RegisterFilterSet.Meta):
        model = Visit
        fields = []  # every filter is declared

    def filter_state(self, queryset, name, value: str):
        state_id = state_codes()[value]
        return queryset.filter(Q(host_id=state_id) | Q(guest_id=state_id))


class ProjectFilterSet(record_filters("start_on", "Year started", ProjectKind.choices)):
    status = DistinctValuesFilter(choices=ProjectStatus.choices, label="Status")
    state = StatesFilter(
        method="filter_state",
        label="States",
        help_text="Type a state's name or code, e.g. Uzbekistan or UZ; with several, "
        f"every one must take part (at most {MAX_REPEATED_VALUES}).",
    )
    sector = filters.ChoiceFilter(
        field_name="sectors__slug",
        choices=sector_choices,
        label="Sector",
        empty_label="Any sector",
        distinct=False,
        widget=RememberedSelect,
    )
    value_min = filters.NumberFilter(
        field_name="value_amount",
        lookup_expr="gte",
        label="Value at least",
        min_value=0,
        widget=NumberInput,
    )
    value_max = filters.NumberFilter(
        field_name="value_amount",
        lookup_expr="lte",
        label="Value at most",
        min_value=0,
        widget=NumberInput,
    )
    currency = filters.CharFilter(
        method="filter_currency",
        label="Currency",
        max_length=3,
        validators=[RegexValidator(r"^[A-Za-z]{3}$", "Give an ISO 4217 code such as USD.")],
    )
    ordering = StableOrderingFilter(
        fields=(
            ("start_on", "start_on"),
            ("name", "name"),
            ("value_amount", "value"),
            ("kind", "kind"),
            ("status", "status"),
        ),
        field_labels={
            "start_on": "Date",
            "name": "Name",
            "value_amount": "Value",
            "kind": "Kind",
            "status": "Status",
        },
        label="Sort by",
    )

    search_fields = ("name", "description", "city")
    search_state_paths = ("states", "location_state")

    # The API's keyset cursor and deep HTML pages walk the same order.
    keyset_orderings = {
        "start_on": "start_on",
        "name": "name",
        "value": "value_amount",
        "kind": "kind",
        "status": "status",
    }
    keyset_default = "-start_on"

    class Meta(RegisterFilterSet.Meta):
        model = Project
        fields = []  # every filter is declared

    def filter_state(self, queryset, name, value: list[str]):
        # As ``TreatyFilterSet.filter_party``: one EXISTS per distinct state.
        through = Project.states.through
        ids = state_codes()
        for code in value:
            queryset = queryset.filter(
                Exists(through.objects.filter(project=OuterRef("pk"), state_id=ids[code]))
            )
        return queryset

    def filter_currency(self, queryset, name, value: str):
        return queryset.filter(value_currency=value.upper())


class StateFilterSet(RegisterFilterSet):
    q = SearchFilter()
    region = filters.CharFilter(
        field_name="region",
        lookup_expr="iexact",
        max_length=100,
        label="Region",
        help_text="e.g. Asia or Europe.",
    )
    cow = IntegerFilter(
        field_name="cow_code",
        label="Correlates of War number",
        help_text="The state's number in the Correlates of War project, e.g. 373 for Azerbaijan.",
        min_value=1,
        max_value=32767,
    )
    # The HTML list shows current states unless asked (StateListView).
    historic = filters.ChoiceFilter(
        method="filter_historic",
        label="Current or former",
        choices=[("0", "Current states"), ("1", "Former states"), ("all", "All states")],
        empty_label=None,
    )

    search_fields = ("name", "official_name", "code", "iso2", "iso3")

    # The API's keyset cursor and deep HTML pages walk the same order.
    keyset_orderings = {"name": "name"}
    keyset_default = "name"

    class Meta(RegisterFilterSet.Meta):
        model = State
        fields = []  # every filter is declared

    def filter_historic(self, queryset, name, value: str):
        if value == "0":
            return queryset.current()
        if value == "1":
            return queryset.historic()
        return queryset
