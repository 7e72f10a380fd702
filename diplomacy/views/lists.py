"""Filtered, paginated lists with a CSV download of the whole filtered set."""

from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.views import View

from diplomacy import exports
from diplomacy.filtersets import ProjectFilterSet, StateFilterSet, TreatyFilterSet, VisitFilterSet
from diplomacy.models import Project, State, Treaty, TreatyParty, Visit


class FilteredListView(View):
    """GET a list page, or its CSV with ``?format=csv`` (or the ``export.csv`` URL)."""

    model = None
    filterset_class = None
    template_name = ""
    paginate_by = 25
    csv_columns: list = []
    facet_fields: tuple[str, ...] = ()
    export = False

    def get_queryset(self):
        return self.model.objects.published().for_list()

    def get(self, request, *args, **kwargs):
        filterset = self.filterset_class(request.GET or None, queryset=self.get_queryset())
        context = {"filterset": filterset, "model_name": self.model._meta.verbose_name_plural}
        if filterset.is_bound and not filterset.is_valid():
            return render(request, self.template_name, context, status=400)
        queryset = filterset.qs
        if self.export or request.GET.get("format") == "csv":
            name = self.model._meta.verbose_name_plural.replace(" ", "-")
            return exports.csv_response(queryset, self.csv_columns, f"{name}.csv")

        page_error = None
        raw_page = request.GET.get("page", "1")
        paginator = Paginator(queryset, self.paginate_by)
        if not raw_page.isdigit() or int(raw_page) < 1:
            page_error = f"“{raw_page[:20]}” is not a page number."
        elif int(raw_page) > max(paginator.num_pages, 1):
            page_error = (
                f"There is no page {int(raw_page)}: the results fill "
                f"{paginator.num_pages} page{'s' if paginator.num_pages != 1 else ''}."
            )
        if page_error:
            context["page_error"] = page_error
            return render(request, self.template_name, context, status=404)
        page = paginator.page(int(raw_page))
        context.update(
            page=page,
            paginator=paginator,
            object_list=page.object_list,
            facets=self.facets(request, queryset),
        )
        return render(request, self.template_name, context)

    def facets(self, request, queryset) -> dict[str, list[tuple[str, str, int]]]:
        """Counts per value of each facet field within the current results.

        Each value links to the current filters narrowed to that value.
        """
        result = {}
        for field in self.facet_fields:
            model_field = self.model._meta.get_field(field)
            labels = dict(model_field.choices)
            rows = (
                queryset.order_by().values_list(field).annotate(n=Count("pk")).order_by("-n", field)
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
    facet_fields = ("kind", "status")


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
        return State.objects.published().annotate(
            treaty_count=Coalesce(Subquery(treaty_count, output_field=IntegerField()), 0)
        )
