from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("diplomacy.api.urls")),
    path("", include("diplomacy.urls")),
]

handler404 = "diplomacy.views.errors.not_found"
handler500 = "diplomacy.views.errors.server_error"
