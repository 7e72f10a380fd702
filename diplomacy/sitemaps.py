from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from diplomacy.models import Project, State, Treaty, Visit


class RecordSitemap(Sitemap):
    model = None
    limit = 10000

    def items(self):
        return self.model.objects.published().order_by("pk").only("slug", "updated_at")

    def lastmod(self, item):
        return item.updated_at


class TreatySitemap(RecordSitemap):
    model = Treaty
    priority = 0.8


class VisitSitemap(RecordSitemap):
    model = Visit


class ProjectSitemap(RecordSitemap):
    model = Project


class StateSitemap(RecordSitemap):
    model = State

    def items(self):
        return State.objects.published().order_by("pk").only("code", "updated_at")


class PagesSitemap(Sitemap):
    def items(self):
        return ["home", "treaty-list", "visit-list", "project-list", "state-list"]

    def location(self, item):
        return reverse(item)


SITEMAPS = {
    "pages": PagesSitemap,
    "treaties": TreatySitemap,
    "visits": VisitSitemap,
    "projects": ProjectSitemap,
    "states": StateSitemap,
}
