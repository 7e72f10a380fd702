"""Atom feed of newly published agreements; honours the treaty list's filters."""

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from diplomacy.filtersets import TreatyFilterSet
from diplomacy.metadata import SITE_NAME
from diplomacy.models import Treaty

FEED_LENGTH = 50


class TreatyFeed(Feed):
    feed_type = Atom1Feed
    description_template = None

    def get_object(self, request):
        filterset = TreatyFilterSet(request.GET or None, queryset=Treaty.objects.published())
        # Invalid filters give an empty feed rather than an error a feed reader can't show.
        self.items_queryset = (
            filterset.qs
            if not filterset.is_bound or filterset.is_valid()
            else Treaty.objects.none()
        )
        self.query = request.GET.urlencode()
        return None

    def title(self):
        suffix = f" ({self.query})" if self.query else ""
        return f"{SITE_NAME}: new agreements{suffix}"

    def link(self):
        return reverse("treaty-list") + (f"?{self.query}" if self.query else "")

    def subtitle(self):
        return "Treaties and agreements newly published in the register."

    def items(self):
        return self.items_queryset.for_list().order_by("-created_at", "-pk")[:FEED_LENGTH]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        parties = ", ".join(row.state.name for row in item.party_rows)
        signed = f"Signed {item.signed}. " if item.signed else ""
        return f"{item.get_kind_display()} between {parties}. {signed}{item.summary}".strip()

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_guid(self, item):
        return f"treaty:{item.slug}"

    item_guid_is_permalink = False
