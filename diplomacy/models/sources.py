"""Sources and the citations that tie a record to a quoted passage (SPEC 3.7)."""

from django.db import models
from simple_history.models import HistoricalRecords

from diplomacy.models.base import CuratedModel
from diplomacy.partial_dates import PartialDatesMixin, precision_constraint, precision_field
from diplomacy.urlpaths import record_url
from diplomacy.validators import reject_control_characters

# Addresses the seed corpus's sources had before they were named for readers
# (migration 0012 renamed them); the old address redirects permanently.
RENAMED_SOURCE_SLUGS = {
    "seed-000-allied-relations-commentary": "allied-relations-commentary",
    "seed-001-alliance-relations-new-stage": "alliance-relations-new-stage",
    "seed-002-treaty-more-than-formality": "treaty-more-than-formality",
    "seed-003-friendship-rooted-in-history": "friendship-rooted-in-history",
    "seed-004-uzbekistans-allies": "uzbekistans-allies",
}


class Source(PartialDatesMixin, CuratedModel):
    title = models.CharField(max_length=500, validators=[reject_control_characters])
    publisher = models.CharField(max_length=200, blank=True, validators=[reject_control_characters])
    author = models.CharField(max_length=200, blank=True, validators=[reject_control_characters])
    url = models.URLField("URL", max_length=500, blank=True, validators=[reject_control_characters])
    published_on = models.DateField(null=True, blank=True)
    published_on_precision = precision_field("publication date precision")
    language = models.CharField(
        max_length=8,
        default="en",
        help_text="BCP 47 language tag of the text, e.g. 'en', 'uz'.",
        validators=[reject_control_characters],
    )
    text = models.TextField(
        blank=True,
        help_text="The full text or an excerpt of the source.",
        validators=[reject_control_characters],
    )
    notes = models.TextField(
        blank=True,
        help_text="Editorial notes: reliability, context.",
        validators=[reject_control_characters],
    )

    history = HistoricalRecords()
    partial_dates = ("published_on",)

    class Meta:
        permissions = [("publish_source", "Can publish and unpublish sources")]
        ordering = ["title", "pk"]
        constraints = [precision_constraint("source", "published_on")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return record_url("source-detail", "slug", self.slug)

    @property
    def published(self):
        return self.partial("published_on")


class Citation(models.Model):
    """A quoted passage of a source that supports a record."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="%(class)ss")
    quote = models.TextField(
        help_text="The passage of the source that supports the record.",
        validators=[reject_control_characters],
    )
    locator = models.CharField(
        max_length=100,
        blank=True,
        help_text="Where in the source: page, paragraph, item.",
        validators=[reject_control_characters],
    )
    note = models.CharField(max_length=500, blank=True, validators=[reject_control_characters])

    class Meta:
        abstract = True
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.source}: “{self.quote[:60]}”"
