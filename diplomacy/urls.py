from django.contrib.sitemaps.views import sitemap
from django.urls import path
from django.views.decorators.http import require_safe

from diplomacy.feeds import TreatyFeed
from diplomacy.sitemaps import SITEMAPS
from diplomacy.views import charts, commitments, details, exports, lists, site, states

urlpatterns = [
    path("", site.home, name="home"),
    path("treaties/", lists.TreatyListView.as_view(), name="treaty-list"),
    path("treaties/export.csv", lists.TreatyListView.as_view(export=True), name="treaty-export"),
    path(
        "treaties/export.json",
        lists.TreatyListView.as_view(export="json"),
        name="treaty-export-json",
    ),
    path(
        "treaties/memberships.csv",
        exports.MembershipExportView.as_view(),
        name="membership-export",
    ),
    path(
        "treaties/memberships.json",
        exports.MembershipExportView.as_view(export="json"),
        name="membership-export-json",
    ),
    path(
        "treaties/commitments.csv",
        exports.CommitmentExportView.as_view(),
        name="commitment-export",
    ),
    path(
        "treaties/commitments.json",
        exports.CommitmentExportView.as_view(export="json"),
        name="commitment-export-json",
    ),
    path("treaties/feed/", require_safe(TreatyFeed()), name="treaty-feed"),
    path("treaties/chart.svg", charts.TREATIES["chart"], name="treaty-chart"),
    path("treaties/chart-narrow.svg", charts.TREATIES["chart_narrow"], name="treaty-chart-narrow"),
    path("treaties/per-year/", charts.TREATIES["table"], name="treaty-per-year"),
    path("treaties/per-year.csv", charts.TREATIES["csv"], name="treaty-per-year-csv"),
    path("treaties/compare/", commitments.treaty_compare, name="treaty-compare"),
    path("treaties/<slug:slug>/", details.treaty_detail, name="treaty-detail"),
    path("visits/", lists.VisitListView.as_view(), name="visit-list"),
    path("visits/export.csv", lists.VisitListView.as_view(export=True), name="visit-export"),
    path("visits/chart.svg", charts.VISITS["chart"], name="visit-chart"),
    path("visits/chart-narrow.svg", charts.VISITS["chart_narrow"], name="visit-chart-narrow"),
    path("visits/per-year/", charts.VISITS["table"], name="visit-per-year"),
    path("visits/per-year.csv", charts.VISITS["csv"], name="visit-per-year-csv"),
    path(
        "visits/export.json", lists.VisitListView.as_view(export="json"), name="visit-export-json"
    ),
    path("visits/<slug:slug>/", details.visit_detail, name="visit-detail"),
    path("projects/", lists.ProjectListView.as_view(), name="project-list"),
    path("projects/export.csv", lists.ProjectListView.as_view(export=True), name="project-export"),
    path(
        "projects/export.json",
        lists.ProjectListView.as_view(export="json"),
        name="project-export-json",
    ),
    path("projects/chart.svg", charts.PROJECTS["chart"], name="project-chart"),
    path("projects/chart-narrow.svg", charts.PROJECTS["chart_narrow"], name="project-chart-narrow"),
    path("projects/per-year/", charts.PROJECTS["table"], name="project-per-year"),
    path("projects/per-year.csv", charts.PROJECTS["csv"], name="project-per-year-csv"),
    path("projects/<slug:slug>/", details.project_detail, name="project-detail"),
    path("states/", lists.StateListView.as_view(), name="state-list"),
    path("states/<str:iso2>/", states.state_detail, name="state-detail"),
    path("relations/<str:a>/<str:b>/", states.relations_detail, name="relations-detail"),
    path("people/<slug:slug>/", details.person_detail, name="person-detail"),
    path("organizations/<slug:slug>/", details.organization_detail, name="organization-detail"),
    path("sources/<slug:slug>/", details.source_detail, name="source-detail"),
    path("search/", site.search, name="search"),
    path("about/", commitments.about, name="about"),
    path("sitemap.xml", require_safe(sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", site.robots_txt, name="robots"),
    path("healthz", site.healthz, name="healthz"),
]
