from django.contrib import admin
from django.urls import include, path

from diplomacy.admin.guide import editors_guide

urlpatterns = [
    # Before the admin, whose catch-all would answer for it.
    path("admin/guide/", editors_guide, name="editors-guide"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("diplomacy.api.urls")),
    path("", include("diplomacy.urls")),
]

handler404 = "diplomacy.views.errors.not_found"
handler500 = "diplomacy.views.errors.server_error"
