"""Filtered, paginated lists with a CSV download of the whole filtered set."""

import difflib
import hashlib
from urllib.parse import urlencode

from django import forms
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.views import View

from diplomacy import exports
from diplomacy.caching import cached
from diplomacy.caching.fragments import cached_fragment
from diplomacy.filtersets import (
    ProjectFilterSet,
    StateFilterSet,
    TreatyFilterSet,
    VisitFilterSet,
    state_code,
    state_names,
)
from diplomacy.models import Project, State, Treaty, TreatyParty, Visit
from diplomacy.pagination import (
    MAX_PAGE,
    CappedCountPaginator,
    KeysetSort,
    PaginationError,
    keyset_page,
    positive_number,
)
from diplomacy.widgets import StateNameInputs

# The heading of a 400 for a malformed page number or cursor (a 404's is "Page not found").
BAD_PAGE_REQUEST = "This page cannot be shown"

# Parameters a list page takes besides its filters: paging, the CSV's, and those
# of pages that link here with their own (a comparison's ``t``, a day's ``on``).
KNOWN_NON_FILTERS = frozenset({"page", "cursor", "format", "page_size", "excel", "t", "on"})


def unknown_parameters(request, filterset_class) -> list[dict]:
    """Each parameter of the address that the list does not take, with the
    filter it was probably meant to be (``partyy`` → ``party``) and the
    address with that name instead: left out silently, ``?in_forc_on=`` would
    show every treaty as if it were in force."""
    known = set(filterset_class.base_filters)
    unknown = []
    for name in request.GET:
        if name in known or name in KNOWN_NON_FILTERS:
            continue
        guess = difflib.get_close_matches(name.lower(), sorted(known), n=1, cutoff=0.6)
        entry = {"name": name[:40], "guess": guess[0] if guess else None, "href": None}
        if entry["guess"]:
            params = request.GET.copy()
            values = params.pop(name)
            params.setlist(entry["guess"], params.getlist(entry["guess"]) + values)
            entry["label"] = filterset_class.base_filters[entry["guess"]].label or entry["guess"]
            entry["href"] = f"?{params.urlencode()}"
        unknown.append(entry)
    return unknown


def active_filters(request, filterset) -> list[tuple[str, str]]:
    """Each filter the page applies, in plain words, and the address without
    it: ``("Kind: Alliance", "?party=uz")``. A repeatable filter's values are
    listed one by one, each removed alone."""
    form = filterset.form
    shown = []
    for name, field in form.fields.items():
        if name == "ordering":
            continue  # an order, not a filter: the column headings show it
        # Values that name the same thing (party=az&party=AZ) are shown once,
        # and removed together.
        described = {
            raw: describe_value(form, name, raw) for raw in request.GET.getlist(name) if raw.strip()
        }
        for description in dict.fromkeys(described.values()):
            params = request.GET.copy()
            params.setlist(
                name, [v for v in params.getlist(name) if described.get(v) != description]
            )
            for paging in ("page", "cursor"):
                params.pop(paging, None)
            query = params.urlencode()
            shown.append((f"{field.label}: {description}", f"?{query}" if query else request.path))
    return shown


def describe_value(form, name: str, raw: str) -> str:
    """A filter's value as a reader knows it: a state's, a person's or a
    kind's name, not its code or its page's address."""
    field = form.fields[name]
    if isinstance(field.widget, StateNameInputs):
        return state_names().get(state_code(raw), raw)
    if isinstance(field, forms.ModelChoiceField):
        chosen = form.cleaned_data.get(name)
        return str(chosen) if chosen is not None else raw
    if isinstance(field, forms.ChoiceField):
        labels = {str(value): str(label) for value, label in field.choices}
        return labels.get(raw, raw)
    if name == "q":
        return f"“{raw}”"
    return raw


class FilteredListView(View):
    """GET a list page, or its CSV with ``?format=csv`` (or the ``export.csv`` URL)."""

    model = None
    filterset_class = None
    template_name = ""
    paginate_by = 25
    csv_columns: list = []
    csv_prefetch: tuple[str, ...] = ()
    facet_fields: tuple[str, ...] = ()
    export: bool | str = False
    export_name = ""

    def export_rows(self, queryset):
        """What the download holds of the filtered set (diplomacy/views/exports.py
        exports the rows that belong to it)."""
        return queryset

    def get_queryset(self):
        return self.model.objects.published().for_list()

    def for_page(self, queryset):
        """The queryset an HTML page renders (the CSV export reads every column)."""
        return queryset

    @property
    def keyset_sort(self) -> KeysetSort:
        """The order deep pages walk by cursor: the FilterSet's, as the API's."""
        return KeysetSort(
            self.filterset_class.keyset_orderings, self.filterset_class.keyset_default
        )

    def get(self, request, *args, **kwargs):
        # Parameters that name no filter (``?page=3``) leave the form empty.
        filtered = any(name in self.filterset_class.base_filters for name in request.GET)
        exporting = self.export or request.GET.get("format") in exports.FORMATS
        filterset = self.filterset_class(
            request.GET if filtered or exporting else None, queryset=self.get_queryset()
        )
        if exporting:
            # Records of equal keys by slug, not by when this register created them.
            filterset.tie_break = "slug"
        context = {
            "filterset": filterset,
            "model_name": self.model._meta.verbose_name_plural,
            "unknown_parameters": unknown_parameters(request, self.filterset_class),
        }
        if filterset.is_bound and not filterset.is_valid():
            # The form opens on a phone too: its errors are what to read next.
            context["filters_open"] = True
            return render(request, self.template_name, context, status=400)
        if filterset.is_bound:
            context["active_filters"] = active_filters(request, filterset)
        queryset = filterset.qs
        # ``export``: True (CSV) or the format its address names (export.json).
        file_format = self.export if isinstance(self.export, str) else "csv"
        if exporting:
            file_format = request.GET.get("format") if not self.export else file_format
            name = self.export_name or self.model._meta.verbose_name_plural.replace(" ", "-")
            return exports.csv_response(
                self.export_rows(queryset),
                self.csv_columns,
                exports.export_filename(name, request.GET, file_format),
                request=request,
                prefetch=self.csv_prefetch,
                file_format=file_format,
            )

        if not filterset.is_bound:
            # The empty form (every state, sector, kind as a choice) is the same
            # for every visitor of this list until the data changes.
            context["filters_html"] = cached_fragment(
                f"filters:{request.path}",
                "partials/_filters.html",
                lambda: {"filterset": filterset, "request": request},
            )

        queryset = self.for_page(queryset)
        set_key = self.filtered_set_key(request)
        paginator = CappedCountPaginator(queryset, self.paginate_by, cache_key=set_key)
        context.update(
            paginator=paginator, facets=self.facets(request, queryset, paginator, set_key)
        )
        if "cursor" in request.GET:
            return self.keyset_page(request, queryset, context)

        # An empty ``page`` is the first page, as an empty filter is no filter.
        raw_page = request.GET.get("page") or "1"
        number = positive_number(raw_page)
        if number is None:
            context["page_error"] = f"“{raw_page[:20]}” is not a page number."
            context["page_error_title"] = BAD_PAGE_REQUEST
            return render(request, self.template_name, context, status=400)
        if number > max(paginator.page_limit, 1):
            context["page_error"] = (
                f"There is no page {number}: the results fill "
                f"{paginator.num_pages} page{'s' if paginator.num_pages != 1 else ''}."
                if paginator.is_exact and paginator.num_pages <= MAX_PAGE
                else f"Numbered pages stop at {MAX_PAGE}: follow the “Next” links from there, "
                "narrow the filters, or download the CSV."
            )
            return render(request, self.template_name, context, status=404)
        page = paginator.page(number)
        if not page.object_list and page.number > 1:
            context["page_error"] = f"There is no page {page.number}: the results end before it."
            return render(request, self.template_name, context, status=404)
        context.update(page=page, object_list=page.object_list)
        if page.number == MAX_PAGE and page.has_next() and page.object_list:
            # Deeper than numbered pages go: continue by keyset from the last row.
            context["cursor_next"] = self.keyset_sort.link_after(
                request.build_absolute_uri(), request.GET, list(page.object_list)[-1]
            )
        return render(request, self.template_name, context)

    def keyset_page(self, request, queryset, context):
        # A page's size is its list's, whatever ``page_size`` says (the API's parameter).
        try:
            page = keyset_page(
                queryset,
                request.GET,
                request.build_absolute_uri(),
                self.keyset_sort,
                self.paginate_by,
            )
        except PaginationError as exc:
            context["page_error"] = exc.message
            context["page_error_title"] = BAD_PAGE_REQUEST
            return render(request, self.template_name, context, status=400)
        context.update(
            object_list=page.rows,
            cursor_next=page.next_url,
            cursor_previous=page.previous_url,
            keyset=True,
        )
        return render(request, self.template_name, context)

    # Parameters that page through or order a set without changing what is in it.
    NOT_FILTERS = frozenset({"page", "cursor", "ordering", "format", "page_size", "excel"})

    def filtered_set_key(self, request) -> str:
        """Names the filtered set (not the page of it) for cached counts and facets."""
        params = sorted(
            (name, value)
            for name in request.GET
            if name not in self.NOT_FILTERS
            for value in request.GET.getlist(name)
        )
        digest = hashlib.sha256(urlencode(params).encode()).hexdigest()
        return f"{self.model._meta.label_lower}:{digest}"

    def facets(
        self, request, queryset, paginator, set_key: str
    ) -> dict[str, list[tuple[str, str, int]]]:
        """Counts per value of each facet field within the current results.

        Each value links to the current filters narrowed to that value. Only
        for result sets small enough to count exactly: grouping a million rows
        on every request is what this page must not do.
        """
        result = {}
        if not paginator.is_exact:
            return result
        for field in self.facet_fields:
            model_field = self.model._meta.get_field(field)
            labels = dict(model_field.choices)
            rows = cached(
                f"facet:{field}:{set_key}",
                lambda field=field: list(
                    queryset.order_by()
                    .values_list(field)
                    .annotate(n=Count("pk"))
                    .order_by("-n", field)
                ),
            )
            links = []
            for value, n in rows:
                params = request.GET.copy()
                params.pop("page", None)
                params.setlist(field, [value])
                links.append((f"?{params.urlencode()}", labels.get(value, value), n))
            result[model_field.verbose_name] = links
        return result


class TreatyListView(FilteredListView):
    model = Treaty
    filterset_class = TreatyFilterSet
    template_name = "diplomacy/treaty_list.html"
    csv_columns = exports.TREATY_COLUMNS
    csv_prefetch = exports.TREATY_PREFETCH
    facet_fields = ("kind", "status")

    def for_page(self, queryset):
        return queryset.for_table()


class VisitListView(FilteredListView):
    model = Visit
    filterset_class = VisitFilterSet
    template_name = "diplomacy/visit_list.html"
    csv_columns = exports.VISIT_COLUMNS
    facet_fields = ("kind", "level")


class ProjectListView(FilteredListView):
    model = Project
    filterset_class = ProjectFilterSet
    template_name = "diplomacy/project_list.html"
    csv_columns = exports.PROJECT_COLUMNS
    facet_fields = ("kind", "status")


class StateListView(FilteredListView):
    model = State
    filterset_class = StateFilterSet
    template_name = "diplomacy/state_list.html"
    paginate_by = 100

    def get_queryset(self):
        # Per-state treaty count by subquery, not a COUNT over a join of every table.
        treaty_count = (
            TreatyParty.objects.filter(state=OuterRef("pk"), treaty__is_published=True)
            .order_by()
            .values("state")
            .annotate(n=Count("pk"))
            .values("n")
        )
        states = State.objects.published()
        if not self.request.GET.get("historic"):
            # Former states (the Soviet Union, Austria-Hungary) on request: ?historic=1 or =all.
            states = states.current()
        return states.annotate(
            treaty_count=Coalesce(Subquery(treaty_count, output_field=IntegerField()), 0)
        )
