from django.urls import path

from diplomacy import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
]
