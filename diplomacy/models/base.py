"""What every curated record shares: a stable slug, timestamps, publication."""

from django.db import models


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
