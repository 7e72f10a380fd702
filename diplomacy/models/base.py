"""What every curated record shares: a stable slug, timestamps, publication."""

from itertools import islice

from django.db import models
from django.db.models.query import ModelIterable

# The annotation that tells whether a record has any rows in a sparse related list.
PRESENCE_PREFIX = "_has_"


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


class PublishedLinks:
    """A related list read as (record id, target id) pairs and resolved through
    a map of the published targets that the caller keeps (cached per data
    version): one narrow query for a whole page of records, and no model built
    per link. Targets missing from the map (drafts) drop out; the rest come in
    the map's order.

    ``through`` is the link model, ``record`` and ``target`` its two foreign
    key columns, ``targets`` a callable returning ``{pk: target}`` in order.
    """

    def __init__(self, to_attr: str, through, record: str, target: str, targets):
        self.to_attr = to_attr
        self.through = through
        self.record = record
        self.target = target
        self.targets = targets

    def attach(self, records: list, database: str) -> None:
        targets = self.targets()
        rank = {pk: position for position, pk in enumerate(targets)}
        found: dict[int, list[int]] = {record.pk: [] for record in records}
        pairs = (
            self.through._base_manager.using(database)
            .filter(**{f"{self.record}__in": list(found)})
            .order_by()  # the map gives the order; a model's ordering would join
            .values_list(self.record, self.target)
        )
        for record_id, target_id in pairs:
            if target_id in rank:
                found[record_id].append(target_id)
        for record in records:
            ids = sorted(found[record.pk], key=rank.__getitem__)
            setattr(record, self.to_attr, [targets[pk] for pk in ids])


class CuratedIterable(ModelIterable):
    """Records with their sparse lists marked and their published links attached.

    Sparse lists (``prefetch_sparse``): each record gets an empty list for
    every relation the main query found empty; Django's prefetch step then
    leaves those records out, and runs no query for a relation no record has.
    Links (``with_links``): one query per link for all the records at once.
    """

    def __iter__(self):
        queryset = self.queryset
        flags = [
            (name, name.removeprefix(PRESENCE_PREFIX))
            for name in queryset.query.annotations
            if name.startswith(PRESENCE_PREFIX)
        ]
        records = super().__iter__()
        if flags:
            records = self._mark_empty(records, flags)
        if not queryset._published_links:
            yield from records
            return
        # Links are read per batch: per chunk when streaming (``iterator()``,
        # a CSV export of a million rows), else for all the rows at once.
        batch_size = self.chunk_size if self.chunked_fetch else None
        while batch := list(islice(records, batch_size)):
            for links in queryset._published_links:
                links.attach(batch, queryset.db)
            yield from batch

    @staticmethod
    def _mark_empty(records, flags):
        for record in records:
            for flag, to_attr in flags:
                if not getattr(record, flag):
                    setattr(record, to_attr, [])
            yield record


class CuratedQuerySet(models.QuerySet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._published_links: tuple[PublishedLinks, ...] = ()

    def _clone(self):
        clone = super()._clone()
        clone._published_links = self._published_links
        return clone

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
        queryset._iterable_class = CuratedIterable
        return queryset

    def with_links(self, *links: PublishedLinks):
        """Attach related lists of published targets (``PublishedLinks``) that
        the caller resolves from a cached map, instead of a prefetch that
        builds a link model and a target model for every row."""
        queryset = self._chain()
        replaced = {link.to_attr for link in links}
        kept = [link for link in self._published_links if link.to_attr not in replaced]
        queryset._published_links = (*kept, *links)
        queryset._iterable_class = CuratedIterable
        return queryset


class CuratedModel(models.Model):
    slug = models.SlugField(
        max_length=200,
        unique=True,
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
