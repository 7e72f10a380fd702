"""What every curated record shares: a stable slug, timestamps, publication."""

from django.db import models

from diplomacy.models.links import PRESENCE_PREFIX, AttachingIterable, PublishedLinks
from diplomacy.validators import reject_reserved_slug


def _related_rows(model, name: str) -> models.QuerySet:
    """The rows that link a record of ``model`` (``OuterRef("pk")``) to its
    related ``name``, drafts included: a superset, so "none" is always true."""
    field = model._meta.get_field(name)
    if field.many_to_many and not field.auto_created:
        through = field.remote_field.through
        return through.objects.filter(**{field.m2m_field_name(): models.OuterRef("pk")})
    if field.one_to_many:
        return field.related_model.objects.filter(**{field.field.name: models.OuterRef("pk")})
    raise TypeError(f"{model.__name__}.{name}: only forward many-to-many and reverse foreign keys.")


class CuratedQuerySet(models.QuerySet):
    """Records with their lists attached as they are read
    (``diplomacy.models.links``): published links (``with_links``) and
    sparse lists known empty (``prefetch_sparse``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.published_links: tuple[PublishedLinks, ...] = ()
        self.sparse_lists: tuple[str, ...] = ()

    def _clone(self):
        # Django has no public way for a queryset's own state to follow it
        # from clone to clone (``filter()``, slicing...): extending ``_clone``
        # is how querysets that carry state do it.
        clone = super()._clone()
        clone.published_links = self.published_links
        clone.sparse_lists = self.sparse_lists
        return clone

    def renamed_from(self, slug: str):
        """The record (of these) that had ``slug`` once and has another now,
        else None: an address cited before an editor renamed it still finds
        the record (its history remembers the old slug)."""
        had_it = self.model.history.filter(slug=slug).order_by("-history_date")
        ids = list(had_it.values_list("id", flat=True)[:20])
        return self.filter(pk__in=ids).exclude(slug=slug).first()

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)

    def published(self):
        """Records the public may see. Drafts never leave this filter."""
        return self.filter(is_published=True)

    def for_list(self):
        return self

    def for_detail(self):
        return self.for_list()

    def prefetch_sparse(self, *prefetches: models.Prefetch):
        """Prefetch related lists that most records leave empty (relations to
        other treaties, signatories, organizations...) only for the records that
        have rows in them. One EXISTS each in the main query (an index probe)
        replaces a query per empty list: a detail page made seven queries that
        returned nothing. Every prefetch needs a ``to_attr``."""
        flags = {}
        for prefetch in prefetches:
            if not prefetch.to_attr:
                raise ValueError(f"{prefetch.prefetch_through}: a sparse prefetch needs to_attr.")
            related = _related_rows(self.model, prefetch.prefetch_through)
            flags[PRESENCE_PREFIX + prefetch.to_attr] = models.Exists(related)
        queryset = self.annotate(**flags).prefetch_related(*prefetches)
        queryset.sparse_lists = (*self.sparse_lists, *(p.to_attr for p in prefetches))
        # No public hook runs on every way of reading a queryset: see AttachingIterable.
        queryset._iterable_class = AttachingIterable
        return queryset

    def with_links(self, *links: PublishedLinks | None):
        """Attach related lists of published targets (``PublishedLinks``) that
        the caller resolves from a cached map, instead of a prefetch that
        joins and builds a target model for every row. A link replaces one
        of the same name; ``with_links(None)`` drops them all, as
        ``prefetch_related(None)`` does prefetches."""
        queryset = self._chain()
        if links == (None,):
            queryset.published_links = ()
            return queryset
        replaced = {link.to_attr for link in links}
        kept = [link for link in self.published_links if link.to_attr not in replaced]
        queryset.published_links = (*kept, *links)
        # No public hook runs on every way of reading a queryset: see AttachingIterable.
        queryset._iterable_class = AttachingIterable
        return queryset


# The indexes a record's history table keeps: by record (id), by time
# (history_date), by user, and by slug (``make setup`` asks whether a record
# ever existed). The indexes of a record's own list filters (kind, status,
# dates, states) would be written by every save and every imported row and
# never read: ``no_db_index`` leaves them out of the history tables.
HISTORY_UNREAD_INDEXES = ["is_published", "kind", "status"]


class CuratedModel(models.Model):
    slug = models.SlugField(
        max_length=200,
        unique=True,
        validators=[reject_reserved_slug],
        help_text="Stable identifier used in URLs; do not change once published.",
    )
    is_published = models.BooleanField(
        "published",
        default=False,
        db_index=True,
        help_text="Drafts are invisible to the public everywhere.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CuratedQuerySet.as_manager()

    class Meta:
        abstract = True

    def natural_key(self) -> tuple[str]:
        """Fixtures refer to records by slug, so the seed corpus loads into any database."""
        return (self.slug,)
