"""A list's filtered set per year, by kind: as a picture (SVG) and as a table
(HTML and CSV), each at its own address so that the list page itself never
counts a million rows.

The filters are the list's own (its FilterSet, its queryset); the counts are
kept per data version under the list's key for the filtered set, so a picture
and its table count once; anonymous responses are in the page cache like any
page. Web requests run under the statement timeout (503 with a message when
cut off), as the lists do.
"""

import csv

from django.db import OperationalError, transaction
from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views import View
from psycopg.errors import QueryCanceled

from diplomacy import exports
from diplomacy.caching import cached
from diplomacy.charts import counted, fold_kinds, kind_series, year_chart
from diplomacy.views.lists import ProjectListView, TreatyListView, VisitListView

# What the chart and table say when counting the set took longer than a web
# request may (``DATABASE_STATEMENT_TIMEOUT``): the list itself still shows.
TOO_LONG = (
    "Counting these {plural} year by year takes longer than the register gives "
    "one request. Narrow the filters (a range of years, a party, a kind), or "
    "download the list as CSV, which has no time limit."
)

# What one record of each list is called, in the chart's words.
NOUNS = {
    "treaty": ("treaty", "treaties"),
    "visit": ("visit", "visits"),
    "project": ("project", "projects"),
}


class PerYear:
    """The per-year counts by kind of a list's filtered set, for one request."""

    def __init__(self, list_view_class, request):
        self.list_view = list_view_class()
        self.list_view.setup(request)
        self.request = request
        self.model = list_view_class.model
        filterset_class = list_view_class.filterset_class
        filtered = any(name in filterset_class.base_filters for name in request.GET)
        self.filterset = filterset_class(
            request.GET if filtered else None, queryset=self.model.objects.published()
        )
        self.date_field = filterset_class.base_filters["year"].field_name
        self.kind_labels = dict(self.model._meta.get_field("kind").choices)
        self.noun = NOUNS[self.model._meta.model_name]

    @property
    def valid(self) -> bool:
        return not self.filterset.is_bound or self.filterset.is_valid()

    def counts(self) -> dict | None:
        """``{year or None: {kind: n}}``, kept per data version and filtered
        set; None when counting took longer than the statement timeout (kept
        too: a crowd asking for the same slow chart must not each try again
        until the data changes)."""
        key = f"per-year:{self.list_view.filtered_set_key(self.request)}"
        return cached(key, self.count)

    def count(self) -> dict | None:
        try:
            # A savepoint: the request's transaction stays usable after a cancel.
            with transaction.atomic(using=self.filterset.qs.db):
                rows = self.rows()
        except OperationalError as exc:
            if isinstance(exc.__cause__, QueryCanceled):
                return None
            raise
        by_year: dict = {}
        for year, kind, n in rows:
            by_year.setdefault(year, {})[kind] = n
        return by_year

    def rows(self) -> list[tuple]:
        return list(
            self.filterset.qs.order_by()
            .annotate(chart_year=ExtractYear(self.date_field))
            .values_list("chart_year", "kind")
            .annotate(n=Count("pk"))
        )

    @property
    def too_long(self) -> str:
        return TOO_LONG.format(plural=self.plural)

    def table(self) -> dict | None:
        """Rows of years (oldest first, undated last) by the kinds present, with
        totals; None when they took too long to count."""
        by_year = self.counts()
        if by_year is None:
            return None
        totals: dict[str, int] = {}
        for counts in by_year.values():
            for kind, n in counts.items():
                totals[kind] = totals.get(kind, 0) + n
        kinds = [k for k in self.kind_labels if totals.get(k)]
        years = sorted(y for y in by_year if y is not None) + ([None] if None in by_year else [])
        return {
            "kinds": [(k, self.kind_labels[k]) for k in kinds],
            "rows": [
                (year, [by_year[year].get(k, 0) for k in kinds], sum(by_year[year].values()))
                for year in years
            ],
            "totals": [totals[k] for k in kinds],
            "total": sum(totals.values()),
            "totals_by_kind": totals,
        }

    @property
    def plural(self) -> str:
        return self.noun[1]

    def described(self) -> str:
        matching = " matching these filters" if self.filterset.is_bound else ""
        return f"{self.plural.capitalize()}{matching}"

    def svg(self, size: str) -> str | None:
        table = self.table()
        if table is None:
            return None
        series = kind_series(table["totals_by_kind"], self.kind_labels)
        dated = table["total"] - sum(row[2] for row in table["rows"] if row[0] is None)
        chart = year_chart(
            fold_kinds(self.counts(), series),
            series,
            title=f"{self.described()} per year, by kind",
            description=(
                f"{counted(dated, *self.noun)} with a known year, stacked by kind"
                f" ({', '.join(s.label for s in series)})."
            ),
            size=size,
            total_noun=self.noun,
        )
        if chart is None:
            message = f"No {self.plural} with a known year."
            return render_to_string("partials/_chart_empty_svg.html", {"message": message})
        return render_to_string("partials/_chart_svg.html", {"chart": chart, "id_prefix": "chart"})

    def errors_text(self) -> str:
        return " ".join(
            f"{name}: {' '.join(errors)}" for name, errors in self.filterset.form.errors.items()
        )


class PerYearChartView(View):
    """``/treaties/chart.svg?<the list's filters>``: the picture the list embeds."""

    list_view_class = None
    size = "wide"

    def get(self, request, *args, **kwargs):
        per_year = PerYear(self.list_view_class, request)
        if not per_year.valid:
            return HttpResponse(
                f"These filters could not be applied. {per_year.errors_text()}",
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        svg = per_year.svg(self.size)
        if svg is None:
            # An image the page shows in place of the chart, with a 503 as the lists' timeout.
            svg = render_to_string("partials/_chart_empty_svg.html", {"message": per_year.too_long})
            return HttpResponse(svg, status=503, content_type="image/svg+xml; charset=utf-8")
        return HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")


class PerYearTableView(View):
    """``/treaties/per-year/?<filters>``: the chart's numbers as a table; and
    ``/treaties/per-year.csv``: the same as CSV."""

    list_view_class = None
    export = False

    def get(self, request, *args, **kwargs):
        per_year = PerYear(self.list_view_class, request)
        model_name = self.list_view_class.model._meta.verbose_name_plural
        list_url_name = f"{self.list_view_class.model._meta.model_name}-list"
        context = {
            "per_year": per_year,
            "filterset": per_year.filterset,
            "model_name": model_name,
            "list_url_name": list_url_name,
        }
        if not per_year.valid:
            if self.export:
                return HttpResponse(
                    f"These filters could not be applied. {per_year.errors_text()}",
                    status=400,
                    content_type="text/plain; charset=utf-8",
                )
            return render(request, "diplomacy/per_year.html", context, status=400)
        table = per_year.table()
        if table is None:
            if self.export:
                return HttpResponse(
                    per_year.too_long, status=503, content_type="text/plain; charset=utf-8"
                )
            context["too_long"] = per_year.too_long
            return render(request, "diplomacy/per_year.html", context, status=503)
        if self.export:
            return self.csv(request, per_year, table)
        context["table"] = table
        return render(request, "diplomacy/per_year.html", context)

    def csv(self, request, per_year, table):
        name = exports.export_filename(f"{per_year.plural}-per-year", request.GET)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        writer = csv.writer(response)
        writer.writerow(["year", *(kind for kind, _ in table["kinds"]), "total"])
        for year, counts, total in table["rows"]:
            writer.writerow(["" if year is None else year, *counts, total])
        return response


def _views(list_view_class) -> dict:
    return {
        "chart": PerYearChartView.as_view(list_view_class=list_view_class),
        "chart_narrow": PerYearChartView.as_view(list_view_class=list_view_class, size="narrow"),
        "table": PerYearTableView.as_view(list_view_class=list_view_class),
        "csv": PerYearTableView.as_view(list_view_class=list_view_class, export=True),
    }


TREATIES = _views(TreatyListView)
VISITS = _views(VisitListView)
PROJECTS = _views(ProjectListView)
