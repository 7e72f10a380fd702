"""One FilterSet per public model: the HTML list, the CSV export and the API use them.

Parameter names are the contract of SPEC section 4. States are named by their
ISO alpha-2 code in any case (``party=az&party=UZ``); sectors and people by slug.
A filter by a related record knows only the published ones: a draft's slug or
code is refused exactly as an unknown one is, so a filter cannot reveal drafts.
A repeatable parameter counts each value once and takes at most
``MAX_REPEATED_VALUES`` different ones (a fixed vocabulary such as ``kind``:
all of its values).
"""

import copy

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db.models import Exists, F, OuterRef, Q
from django.forms.renderers import Jinja2
from django_filters import fields as filter_fields

from diplomacy.cache import cached
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
    Person,
    Project,
    State,
    Treaty,
    TreatyIdentifier,
    TreatyParty,
    Visit,
)
from diplomacy.reference_maps import published_sectors_by_pk, published_states_by_pk
from diplomacy.search import search_queryset
from diplomacy.widgets import (
    FastNumberInput,
    FastSelect,
    FastSelectMultiple,
    FastTextInput,
    PlainChoices,
)

# The public pages are Jinja2; so are their forms' widgets (Django's own
# Jinja2 widget templates render several times faster than the DTL ones).
FILTER_FORM_RENDERER = Jinja2()
YEAR_BOUNDS = {"min_value": 1, "max_value": 9999}
# Different states one repeatable state filter takes (``party``, a project's
# ``state``). Each adds an EXISTS subquery, and PostgreSQL's planning time grows
# steeply with their number before it levels off: on 100,000 treaties (a busy
# 2-core machine) 2.5 ms for 4 states, 60 to 100 ms for 7 to 12. ``party=az``
# 300 times took 539 s before values were de-duplicated and capped.
MAX_REPEATED_VALUES = 10
# A related record that is not published answers as one that does not exist.
INVALID_CHOICE = "Select a valid choice. %(value)s is not one of the available choices."
# Django's input widgets and their Python-rendered equivalents (same HTML).
FAST_INPUTS = {forms.TextInput: FastTextInput, forms.NumberInput: FastNumberInput}


class IntegerFilter(filters.NumberFilter):
    field_class = forms.IntegerField


class YearFilter(IntegerFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", YEAR_BOUNDS["min_value"])
        kwargs.setdefault("max_value", YEAR_BOUNDS["max_value"])
        super().__init__(*args, **kwargs)


def state_code_choices() -> tuple[PlainChoices, dict[str, int]]:
    """The party filters' choices, (lower-case iso2, name) by name, and each
    code's primary key. Every list page's form offers them; they are read from
    the shared cache, which any edit refreshes (``diplomacy.cache``), not
    queried per request."""
    return cached("choices:state-codes", _state_code_choices)


def _state_code_choices() -> tuple[PlainChoices, dict[str, int]]:
    states = [
        (pk, state.iso2.lower(), state.name) for pk, state in published_states_by_pk().items()
    ]
    return (
        PlainChoices((code, name) for _, code, name in states),
        {code: pk for pk, code, _ in states},
    )


def sector_choices() -> PlainChoices:
    return cached("choices:sectors", _sector_choices)


def _sector_choices() -> PlainChoices:
    return PlainChoices((sector.slug, sector.name) for sector in published_sectors_by_pk().values())


def current_state_choices() -> PlainChoices:
    return state_code_choices()[0]


class DistinctValuesField(filter_fields.MultipleChoiceField):
    """A repeatable filter's field: a value given twice counts once, and more
    than ``max_values`` different ones are refused with a message naming the
    parameter (each value can cost the query a subquery)."""

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


class StateCodeValidation:
    """A state filter's field: a code in any case, valid if a published state
    has it, a dictionary lookup, where Django's ``valid_value`` walks the 249
    choices, normalized afresh for each value given (``party=fj&party=st``: 500
    calls). A draft state's code is as unknown as ``zz``."""

    def normalize(self, value: str) -> str:
        return value.lower()

    def valid_value(self, value) -> bool:
        return str(value) in state_code_choices()[1]


class StateCodeField(StateCodeValidation, filter_fields.ChoiceField):
    def to_python(self, value) -> str:
        return self.normalize(super().to_python(value))


class StateCodesField(StateCodeValidation, DistinctValuesField):
    pass


class FilterTemplates(dict):
    """A FilterSet class's filters. django-filter deep-copies them for every
    FilterSet it makes (fields, widgets and choices included) so that it can
    give each copy its ``model`` and ``parent``: a copy of each filter is all
    that needs, and nothing else of a filter changes after the class is made."""

    def __deepcopy__(self, memo):
        return {name: _filter_copy(filter_) for name, filter_ in self.items()}


def _filter_copy(filter_: filters.Filter) -> filters.Filter:
    result = copy.copy(filter_)
    if filter_.method is not None:
        # Setting it binds the method to this copy, and so to its parent.
        result.method = filter_.method
    return result


class FieldTemplates(dict):
    """A filter form class's fields. A form deep-copies them on every request,
    choices included (the party list: 249 pairs), so that it can change its
    own fields; the register's forms change a field's widget attributes at
    most, so that is what each copy gets of its own, as Django's copy gives
    it, and the choices (never changed) are shared."""

    def __deepcopy__(self, memo):
        return {name: _field_copy(field) for name, field in self.items()}


def _field_copy(field: forms.Field) -> forms.Field:
    result = copy.copy(field)
    result.widget = copy.copy(field.widget)
    result.widget.attrs = field.widget.attrs.copy()
    result.error_messages = field.error_messages.copy()
    result.validators = field.validators[:]
    return result


# The filter form class of each FilterSet class (``get_form_class``).
_form_classes: dict[type, type] = {}


class RegisterFilterSet(filters.FilterSet):
    """Shared behaviour: choice lists read once per request, ``q`` over text fields."""

    search_fields: tuple[str, ...] = ()
    # Filters whose choices are the published states / sectors.
    state_filters: tuple[str, ...] = ()
    sector_filters: tuple[str, ...] = ()

    @classmethod
    def get_filters(cls):
        # Set on the class's own filters, before anything (the API schema, say)
        # builds their form fields: a filter keeps the field it built first.
        base = super().get_filters()
        for f in base.values():
            if isinstance(f, filters.MultipleChoiceFilter):
                f.extra.setdefault("widget", FastSelectMultiple)
            elif isinstance(f, filters.ChoiceFilter):
                f.extra.setdefault("widget", FastSelect)
            elif "widget" not in f.extra and f.field_class.widget in FAST_INPUTS:
                f.extra["widget"] = FAST_INPUTS[f.field_class.widget]
        # Callables, asked at each use: the choices of the current data version.
        for name in cls.state_filters:
            base[name].extra["choices"] = current_state_choices
            multiple = isinstance(base[name], filters.MultipleChoiceFilter)
            base[name].field_class = StateCodesField if multiple else StateCodeField
        for name in cls.sector_filters:
            base[name].extra["choices"] = sector_choices
        for name, f in base.items():
            if isinstance(f, filters.MultipleChoiceFilter):
                f.extra["parameter"] = name
                if name not in cls.state_filters:
                    # A fixed vocabulary (kind, status): every value may be chosen at once.
                    f.field_class = DistinctValuesField
                    vocabulary = len(f.extra.get("choices", ()))
                    f.extra["max_values"] = max(MAX_REPEATED_VALUES, vocabulary)
        return FilterTemplates(base)

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        # Filters name states by code but query by primary key: the planner then
        # knows how many treaties that particular state has (column statistics).
        self.state_ids: dict[str, int] = state_code_choices()[1] if self.state_filters else {}

    def get_form_class(self):
        # django-filter builds a new form class (and its fields) per FilterSet;
        # the fields are the same for every request, so the class is built once.
        form_class = _form_classes.get(type(self))
        if form_class is None:
            form_class = super().get_form_class()
            form_class.base_fields = FieldTemplates(form_class.base_fields)
            _form_classes[type(self)] = form_class
        return form_class

    @property
    def form(self):
        form = super().form
        form.renderer = FILTER_FORM_RENDERER
        return form

    def filter_q(self, queryset, name, value: str):
        return search_queryset(queryset, value, self.search_fields, self.search_fields[0])


class StableOrderingFilter(filters.OrderingFilter):
    """Orders by the chosen field, empty dates last, then by pk so pages never overlap."""

    def get_ordering_value(self, param):
        descending = param.startswith("-")
        field = self.param_map[param.lstrip("-")]
        expression = F(field)
        return expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)

    def filter(self, qs, value):
        if value in ([], (), {}, "", None):
            return qs
        ordering = [self.get_ordering_value(param) for param in value]
        tie_break = "-pk" if value[0].startswith("-") else "pk"
        return qs.order_by(*ordering, tie_break)


def q_filter():
    return filters.CharFilter(
        method="filter_q",
        label="Search",
        max_length=200,
        help_text="Words that must all appear in the title, summary or names.",
    )


class TreatyFilterSet(RegisterFilterSet):
    q = q_filter()
    year = YearFilter(field_name="signed_on", lookup_expr="year", label="Year signed")
    year_min = YearFilter(field_name="signed_on", lookup_expr="year__gte", label="From year")
    year_max = YearFilter(field_name="signed_on", lookup_expr="year__lte", label="To year")
    kind = filters.MultipleChoiceFilter(choices=TreatyKind.choices, label="Kind", distinct=False)
    status = filters.MultipleChoiceFilter(
        choices=TreatyStatus.choices, label="Status", distinct=False
    )
    party = filters.MultipleChoiceFilter(
        method="filter_party",
        label="Parties",
        help_text=f"Every state chosen must be a party (at most {MAX_REPEATED_VALUES}).",
    )
    sector = filters.ChoiceFilter(field_name="sectors__slug", label="Sector", distinct=False)
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
        fields=(("signed_on", "signed_on"), ("title", "title")),
        field_labels={"signed_on": "Date signed", "title": "Title"},
        label="Sort by",
    )

    search_fields = ("title", "short_title", "summary")
    state_filters = ("party",)
    sector_filters = ("sector",)

    # The API's keyset cursor and deep HTML pages walk the same order.
    keyset_orderings = {"signed_on": "signed_on", "title": "title"}
    keyset_default = "-signed_on"

    class Meta:
        model = Treaty
        fields = ["q", "year", "year_min", "year_max", "kind", "status", "party", "sector"]

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

    def filter_party(self, queryset, name, value: list[str]):
        # One EXISTS per state (at most MAX_REPEATED_VALUES, each state once):
        # the planner starts from the state with the fewest treaties, by its
        # own statistics. One GROUP BY ... HAVING COUNT over every chosen
        # state's party rows plans at once but reads all of their rows: on
        # 100,000 treaties a page of two common states took 156 ms against 6.
        for code in value:
            queryset = queryset.filter(
                Exists(
                    TreatyParty.objects.filter(treaty=OuterRef("pk"), state_id=self.state_ids[code])
                )
            )
        return queryset


class VisitFilterSet(RegisterFilterSet):
    q = q_filter()
    year = YearFilter(field_name="start_on", lookup_expr="year", label="Year")
    year_min = YearFilter(field_name="start_on", lookup_expr="year__gte", label="From year")
    year_max = YearFilter(field_name="start_on", lookup_expr="year__lte", label="To year")
    kind = filters.MultipleChoiceFilter(choices=VisitKind.choices, label="Kind", distinct=False)
    level = filters.MultipleChoiceFilter(choices=VisitLevel.choices, label="Level", distinct=False)
    host = filters.ChoiceFilter(method="filter_host", label="Host state")
    guest = filters.ChoiceFilter(method="filter_guest", label="Guest state")
    state = filters.ChoiceFilter(method="filter_state", label="Either state")
    person = filters.ModelChoiceFilter(
        field_name="principals",
        queryset=Person.objects.published(),
        to_field_name="slug",
        label="Person (slug)",
        help_text="A person's slug, e.g. ilham-aliyev.",
        distinct=False,
        # The slug is typed: a list of every person would be the longest part of the page.
        widget=FastTextInput,
        error_messages={"invalid_choice": INVALID_CHOICE},
    )
    ordering = StableOrderingFilter(
        fields=(("start_on", "start_on"), ("title", "title")),
        field_labels={"start_on": "Date", "title": "Title"},
        label="Sort by",
    )

    search_fields = ("title", "summary", "city")
    state_filters = ("host", "guest", "state")

    # The API's keyset cursor and deep HTML pages walk the same order.
    keyset_orderings = {"start_on": "start_on", "title": "title"}
    keyset_default = "-start_on"

    class Meta:
        model = Visit
        fields = ["q", "year", "year_min", "year_max", "kind", "level", "host", "guest", "state"]

    def filter_host(self, queryset, name, value: str):
        return queryset.filter(host_id=self.state_ids[value])

    def filter_guest(self, queryset, name, value: str):
        return queryset.filter(guest_id=self.state_ids[value])

    def filter_state(self, queryset, name, value: str):
        state_id = self.state_ids[value]
        return queryset.filter(Q(host_id=state_id) | Q(guest_id=state_id))


class ProjectFilterSet(RegisterFilterSet):
    q = q_filter()
    year = YearFilter(field_name="start_on", lookup_expr="year", label="Year started")
    year_min = YearFilter(field_name="start_on", lookup_expr="year__gte", label="From year")
    year_max = YearFilter(field_name="start_on", lookup_expr="year__lte", label="To year")
    kind = filters.MultipleChoiceFilter(choices=ProjectKind.choices, label="Kind", distinct=False)
    status = filters.MultipleChoiceFilter(
        choices=ProjectStatus.choices, label="Status", distinct=False
    )
    state = filters.MultipleChoiceFilter(
        method="filter_state",
        label="States",
        help_text=f"Every state chosen must take part (at most {MAX_REPEATED_VALUES}).",
    )
    sector = filters.ChoiceFilter(field_name="sectors__slug", label="Sector", distinct=False)
    value_min = filters.NumberFilter(
        field_name="value_amount", lookup_expr="gte", label="Value at least", min_value=0
    )
    value_max = filters.NumberFilter(
        field_name="value_amount", lookup_expr="lte", label="Value at most", min_value=0
    )
    currency = filters.CharFilter(
        method="filter_currency",
        label="Currency",
        max_length=3,
        validators=[RegexValidator(r"^[A-Za-z]{3}$", "Give an ISO 4217 code such as USD.")],
    )
    ordering = StableOrderingFilter(
        fields=(("start_on", "start_on"), ("name", "name"), ("value_amount", "value")),
        field_labels={"start_on": "Date", "name": "Name", "value_amount": "Value"},
        label="Sort by",
    )

    search_fields = ("name", "description", "city")
    state_filters = ("state",)
    sector_filters = ("sector",)

    # The API's keyset cursor and deep HTML pages walk the same order.
    keyset_orderings = {"start_on": "start_on", "name": "name", "value": "value_amount"}
    keyset_default = "-start_on"

    class Meta:
        model = Project
        fields = ["q", "year", "year_min", "year_max", "kind", "status", "state", "sector"]

    def filter_state(self, queryset, name, value: list[str]):
        # As ``TreatyFilterSet.filter_party``: one EXISTS per distinct state.
        through = Project.states.through
        for code in value:
            queryset = queryset.filter(
                Exists(
                    through.objects.filter(project=OuterRef("pk"), state_id=self.state_ids[code])
                )
            )
        return queryset

    def filter_currency(self, queryset, name, value: str):
        return queryset.filter(value_currency=value.upper())


class StateFilterSet(RegisterFilterSet):
    q = q_filter()
    region = filters.CharFilter(field_name="region", lookup_expr="iexact", max_length=100)
    cow = IntegerFilter(field_name="cow_code", label="COW code", min_value=1, max_value=32767)

    search_fields = ("name", "official_name", "iso2", "iso3")

    # The API's keyset cursor and deep HTML pages walk the same order.
    keyset_orderings = {"name": "name"}
    keyset_default = "name"

    class Meta:
        model = State
        fields = ["q", "region", "cow"]
