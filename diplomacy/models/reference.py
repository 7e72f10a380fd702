"""States, people, organizations and sectors: the actors and the taxonomy."""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models.signals import pre_save
from django.dispatch import receiver
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
PUBLIC_CODE_FORMAT = RegexValidator(
    r"^[a-z]{2,3}\Z",
    "Two or three lower-case letters: the ISO alpha-2 code of a current state (uz), "
    "a former one (su) or the COW abbreviation (auh).",
)


def natural_key_lookup(key: str, prefix: str = "") -> dict:
    """A state's natural key is its ISO alpha-2 code ("AZ", as fixtures and
    backups have always named it) or, for a state without one, its public
    code ("su"): upper case tells them apart."""
    return {f"{prefix}iso2": key} if key.isupper() else {f"{prefix}code": key}


class StateQuerySet(CuratedQuerySet):
    def by_iso2(self, code: str):
        return self.filter(iso2=code.upper())

    def by_code(self, code: str):
        return self.filter(code=code.lower())

    def get_by_natural_key(self, key):
        return self.get(**natural_key_lookup(key))

    def current(self):
        """States that exist today: no recorded period, or one still open."""
        from diplomacy.models.states import StatePeriod

        periods = StatePeriod.objects.filter(state=models.OuterRef("pk"))
        return self.filter(
            ~models.Exists(periods) | models.Exists(periods.filter(ended_on__isnull=True))
        )

    def historic(self):
        return self.exclude(pk__in=self.model.objects.current().values("pk"))


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
    code = models.CharField(
        "public code",
        max_length=3,
        unique=True,
        blank=True,
        help_text="Lower case, in URLs and filters: the ISO alpha-2 code of a current state, "
        "a former alpha-2 code (su, yu, dd) or the COW abbreviation (auh). "
        "Empty: the ISO alpha-2 code in lower case.",
        validators=[PUBLIC_CODE_FORMAT, reject_control_characters],
    )
    # Today's ISO 3166-1 codes; a former state has none (its former codes
    # are in its ``codes``, each with its period).
    iso2 = models.CharField(
        "ISO alpha-2",
        max_length=2,
        unique=True,
        null=True,
        blank=True,
        help_text="ISO 3166-1 alpha-2, upper case; empty for a former state.",
        validators=[ISO2_FORMAT, reject_control_characters],
    )
    iso3 = models.CharField(
        "ISO alpha-3",
        max_length=3,
        unique=True,
        null=True,
        blank=True,
        help_text="ISO 3166-1 alpha-3, upper case; empty for a former state.",
        validators=[ISO3_FORMAT, reject_control_characters],
    )
    iso_numeric = models.CharField(
        "ISO numeric", max_length=3, blank=True, validators=[reject_control_characters]
    )
    cow_code = models.PositiveSmallIntegerField(
        "COW code",
        null=True,
        blank=True,
        help_text="Correlates of War state number (e.g. 704 for Uzbekistan). A number can "
        "name different states in different periods (365: the Soviet Union, then Russia): "
        "the state's codes say when.",
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
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[a-z]{2,3}$"),
                name="diplomacy_state_code_format",
            ),
            precision_constraint("state", "independence_on"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return record_url("state-detail", "iso2", self.code)

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
        return (self.iso2 or self.code,)

    @property
    def independence(self):
        return self.partial("independence_on")

    @property
    def display_code(self) -> str:
        """The code lists and exports show: today's ISO alpha-2, else the public code."""
        return self.iso2 or self.code.upper()

    def clean(self):
        super().clean()
        self.normalise_codes()

    def normalise_codes(self) -> None:
        # An empty code is no code: NULL, which the unique constraints let repeat.
        self.iso2 = (self.iso2 or "").upper() or None
        self.iso3 = (self.iso3 or "").upper() or None
        self.code = (self.code or "").lower() or (self.iso2 or "").lower()

    def save(self, *args, **kwargs):
        self.normalise_codes()
        super().save(*args, **kwargs)


@receiver(pre_save, sender=State)
def normalise_state_codes(sender, instance, raw=False, **kwargs):
    """Fixtures, the seed corpus and backups written before public codes
    existed load without one (a raw save skips ``save()``): a current state's
    public code is its ISO alpha-2 code in lower case."""
    if raw:
        instance.normalise_codes()


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
    """``{pk: State}`` of the published states, by name (codes and name only),
    kept per data version: list rows link their parties through it."""
    return published_by_pk(State, "code", "iso2", "name")


def published_sectors_by_pk() -> dict:
    """``{pk: Sector}`` of the published sectors, by name (slug and name only)."""
    return published_by_pk(Sector, "slug", "name")
