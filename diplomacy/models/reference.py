"""States, people, organizations and sectors: the actors and the taxonomy."""

from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.functional import cached_property
from markupsafe import Markup
from simple_history.models import HistoricalRecords

from diplomacy.caching.reference import published_by_pk
from diplomacy.choices import OrganizationKind
from diplomacy.models.base import CuratedModel, CuratedQuerySet
from diplomacy.models.sources import Citation
from diplomacy.partial_dates import PartialDatesMixin, precision_constraint, precision_field
from diplomacy.urlpaths import record_url
from diplomacy.validators import reject_control_characters

# The database's check constraints on the codes (below), as field rules, so
# that a form or the API names the field instead of failing on the write.
ISO2_FORMAT = RegexValidator(
    r"^[A-Z]{2}\Z", "Two capital letters: the ISO 3166-1 alpha-2 code, e.g. UZ."
)
ISO3_FORMAT = RegexValidator(
    r"^[A-Z]{3}\Z", "Three capital letters: the ISO 3166-1 alpha-3 code, e.g. UZB."
)


class StateQuerySet(CuratedQuerySet):
    def by_iso2(self, code: str):
        return self.filter(iso2=code.upper())

    def get_by_natural_key(self, iso2):
        return self.get(iso2=iso2)


class State(PartialDatesMixin, CuratedModel):
    name = models.CharField(
        max_length=100,
        help_text="Short name, e.g. 'Azerbaijan'.",
        validators=[reject_control_characters],
    )
    official_name = models.CharField(
        max_length=200,
        blank=True,
        help_text="e.g. 'Republic of Azerbaijan'.",
        validators=[reject_control_characters],
    )
    iso2 = models.CharField(
        "ISO alpha-2",
        max_length=2,
        unique=True,
        help_text="ISO 3166-1 alpha-2, upper case.",
        validators=[ISO2_FORMAT, reject_control_characters],
    )
    iso3 = models.CharField(
        "ISO alpha-3",
        max_length=3,
        unique=True,
        help_text="ISO 3166-1 alpha-3, upper case.",
        validators=[ISO3_FORMAT, reject_control_characters],
    )
    iso_numeric = models.CharField(
        "ISO numeric", max_length=3, blank=True, validators=[reject_control_characters]
    )
    cow_code = models.PositiveSmallIntegerField(
        "COW code",
        null=True,
        blank=True,
        unique=True,
        help_text="Correlates of War state number (e.g. 704 for Uzbekistan).",
    )
    capital = models.CharField(max_length=100, blank=True, validators=[reject_control_characters])
    region = models.CharField(
        max_length=100, blank=True, db_index=True, validators=[reject_control_characters]
    )
    independence_on = models.DateField("independence", null=True, blank=True)
    independence_on_precision = precision_field("independence date precision")
    summary = models.TextField(blank=True, validators=[reject_control_characters])

    objects = StateQuerySet.as_manager()
    history = HistoricalRecords()
    partial_dates = ("independence_on",)

    class Meta:
        permissions = [("publish_state", "Can publish and unpublish states")]
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(iso2__regex=r"^[A-Z]{2}$"),
                name="diplomacy_state_iso2_format",
            ),
            models.CheckConstraint(
                condition=models.Q(iso3__regex=r"^[A-Z]{3}$"),
                name="diplomacy_state_iso3_format",
            ),
            precision_constraint("state", "independence_on"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return record_url("state-detail", "iso2", self.iso2.lower())

    @cached_property
    def url(self) -> str:
        """``get_absolute_url()``, kept with the instance: the published states'
        map (``published_states_by_pk``) lives as long as the data version,
        and its states are linked from every party of every list row."""
        return self.get_absolute_url()

    @cached_property
    def link(self) -> Markup:
        """``<a href="(its page)">(its name)</a>``, kept with the instance as
        ``url`` is: list rows link every party."""
        return Markup('<a href="{}">{}</a>').format(self.url, self.name)

    def natural_key(self) -> tuple[str]:
        return (self.iso2,)

    @property
    def independence(self):
        return self.partial("independence_on")

    def save(self, *args, **kwargs):
        self.iso2 = self.iso2.upper()
        self.iso3 = self.iso3.upper()
        super().save(*args, **kwargs)


class StateCitation(Citation):
    record = models.ForeignKey(State, on_delete=models.CASCADE, related_name="citations")
    history = HistoricalRecords()


class Person(CuratedModel):
    name = models.CharField(max_length=200, validators=[reject_control_characters])
    state = models.ForeignKey(
        State, null=True, blank=True, on_delete=models.PROTECT, related_name="people"
    )
    office = models.CharField(
        "office held",
        max_length=200,
        blank=True,
        help_text="e.g. 'President of Uzbekistan'.",
        validators=[reject_control_characters],
    )
    summary = models.TextField(blank=True, validators=[reject_control_characters])

    history = HistoricalRecords()

    class Meta:
        permissions = [("publish_person", "Can publish and unpublish people")]
        ordering = ["name", "pk"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return record_url("person-detail", "slug", self.slug)


class PersonCitation(Citation):
    record = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="citations")
    history = HistoricalRecords()


class Organization(CuratedModel):
    name = models.CharField(max_length=200, validators=[reject_control_characters])
    acronym = models.CharField(max_length=40, blank=True, validators=[reject_control_characters])
    kind = models.CharField(
        max_length=20, choices=OrganizationKind.choices, default=OrganizationKind.OTHER
    )
    state = models.ForeignKey(
        State,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organizations",
        help_text="Leave empty for international organizations.",
    )
    url = models.URLField("URL", blank=True, validators=[reject_control_characters])
    summary = models.TextField(blank=True, validators=[reject_control_characters])

    history = HistoricalRecords()

    class Meta:
        permissions = [("publish_organization", "Can publish and unpublish organizations")]
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=OrganizationKind.values),
                name="diplomacy_organization_kind_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    def get_absolute_url(self) -> str:
        return record_url("organization-detail", "slug", self.slug)


class OrganizationCitation(Citation):
    record = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="citations")
    history = HistoricalRecords()


class Sector(CuratedModel):
    name = models.CharField(max_length=100, unique=True, validators=[reject_control_characters])
    description = models.TextField(blank=True, validators=[reject_control_characters])

    history = HistoricalRecords()

    class Meta:
        permissions = [("publish_sector", "Can publish and unpublish sectors")]
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("treaty-list") + f"?sector={self.slug}"


def published_states_by_pk() -> dict:
    """``{pk: State}`` of the published states, by name (iso2 and name only),
    kept per data version: list rows link their parties through it."""
    return published_by_pk(State, "iso2", "name")


def published_sectors_by_pk() -> dict:
    """``{pk: Sector}`` of the published sectors, by name (slug and name only)."""
    return published_by_pk(Sector, "slug", "name")
