from csp.decorators import csp_update
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from diplomacy.api import views
from diplomacy.api.root import ApiRootView

app_name = "api"

router = DefaultRouter(trailing_slash=True)
# The root is a page for people and a map for scripts, not DRF's "Api Root".
router.APIRootView = ApiRootView
router.register("states", views.StateViewSet, basename="state")
router.register("people", views.PersonViewSet, basename="person")
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("sectors", views.SectorViewSet, basename="sector")
router.register("sources", views.SourceViewSet, basename="source")
router.register("treaties", views.TreatyViewSet, basename="treaty")
router.register("visits", views.VisitViewSet, basename="visit")
router.register("projects", views.ProjectViewSet, basename="project")

urlpatterns = [
    # Before the router: "compare" is not a treaty's slug.
    path("treaties/compare/", views.TreatyCompareView.as_view(), name="treaty-compare"),
    path("relations/<str:a>/<str:b>/", views.RelationsView.as_view(), name="relations"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI sets inline styles on its own elements; its script is a file.
    path(
        "docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api:schema")
        ),
        name="docs",
    ),
    path("auth/token/", views.TokenView.as_view(), name="token"),
    *router.urls,
]
