"""Atom feed of newly published agreements; honours the treaty list's filters."""

from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from diplomacy.filtersets import TreatyFilterSet
from diplomacy.metadata import SITE_NAME
from diplomacy.models import Treaty
from diplomacy.views.lists import TreatyListView

FEED_LENGTH = 50

# An invalid filter gets the list page's own 400, which names the problem.
treaty_list = TreatyListView.as_view()


@dataclass(frozen=True)
class FeedQuery:
    """What one request asks of the feed.

    One ``TreatyFeed`` serves every request of every thread, so nothing about a
    request may be kept on it: ``get_object`` returns this, and Django's ``Feed``
    hands it to each method that needs it.
    """

    treaties: QuerySet
    query: str  # the request's parameters, URL-encoded
    full_path: str


class TreatyFeed(Feed):
    feed_type = Atom1Feed
    description_template = None

    def __call__(self, request, *args, **kwargs):
        filterset = TreatyFilterSet(request.GET or None, queryset=Treaty.objects.published())
        if filterset.is_bound and not filterset.is_valid():
            return treaty_list(request)
        return super().__call__(request, *args, filterset=filterset, **kwargs)

    def get_object(self, request, filterset):
        return FeedQuery(
            treaties=filterset.qs,
            query=request.GET.urlencode(),
            full_path=request.get_full_path(),
        )

    def title(self, obj: FeedQuery):
        suffix = f" ({obj.query})" if obj.query else ""
        return f"{SITE_NAME}: new agreements{suffix}"

    def link(self, obj: FeedQuery):
        return reverse("treaty-list") + (f"?{obj.query}" if obj.query else "")

    def feed_url(self, obj: FeedQuery):
        # rel="self": this feed with its filters, so a reader subscribes to what it asked for.
        return obj.full_path

    def subtitle(self):
        return "Treaties and agreements newly published in the register."

    def items(self, obj: FeedQuery):
        return obj.treaties.for_list().order_by("-created_at", "-pk")[:FEED_LENGTH]

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
