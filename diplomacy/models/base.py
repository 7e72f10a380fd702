"""What every curated record shares: a stable slug, timestamps, publication."""

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


class SkipEmptyPrefetchIterable(ModelIterable):
    """Gives each record an empty list for every sparse relation the main query
    found empty; Django's prefetch step then leaves those records out, and
    runs no query at all for a relation no record has."""

    def __iter__(self):
        flags = [
            (name, name.removeprefix(PRESENCE_PREFIX))
            for name in self.queryset.query.annotations
            if name.startswith(PRESENCE_PREFIX)
        ]
        for record in super().__iter__():
            for flag, to_attr in flags:
                if not getattr(record, flag):
                    setattr(record, to_attr, [])
            yield record


class CuratedQuerySet(models.QuerySet):
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
        queryset._iterable_class = SkipEmptyPrefetchIterable
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
