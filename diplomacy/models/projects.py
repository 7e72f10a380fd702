"""Cooperation projects: investments, infrastructure, cultural initiatives (SPEC 3.6)."""

import re

import pycountry
from django.apps import apps
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from diplomacy.choices import ProjectKind, ProjectStatus
from diplomacy.models.base import HISTORY_UNREAD_INDEXES, CuratedModel, CuratedQuerySet
from diplomacy.models.reference import Organization, Sector, State
from diplomacy.models.sources import Citation
from diplomacy.partial_dates import (
    PartialDatesMixin,
    dates_in_order_constraint,
    precision_constraint,
    precision_field,
)
from diplomacy.urlpaths import record_url
from diplomacy.validators import reject_control_characters


def validate_currency(code: str) -> None:
    # Upper case, as the database's check constraint wants it: pycountry's
    # look-up alone would accept "usd".
    if code and (not re.fullmatch(r"[A-Z]{3}", code) or not pycountry.currencies.get(alpha_3=code)):
        raise ValidationError(
            f"{code!r} is not an ISO 4217 currency code: three capital letters, e.g. USD."
        )


class ProjectQuerySet(CuratedQuerySet):
    def for_list(self):
        return self.select_related("location_state").prefetch_related(
            # Filtered prefetches: ``.states.all()`` and ``.sectors.all()`` then hold no drafts.
            models.Prefetch("states", queryset=State.objects.published()),
            models.Prefetch("sectors", queryset=Sector.objects.published()),
        )

    def for_items(self):
        """What a short project list (a state's page) shows: name, kind, status, start."""
        return self.only("slug", "name", "kind", "status", "start_on", "start_on_precision")

    def for_detail(self):
        """Everything a project page links to, drafts of related records left out."""
        return (
            self.for_list()
            .prefetch_related(
                models.Prefetch(
                    "treaty", queryset=apps.get_model("diplomacy", "Treaty").objects.published()
                ),
                models.Prefetch(
                    "visit", queryset=apps.get_model("diplomacy", "Visit").objects.published()
                ),
            )
            .prefetch_sparse(*self.detail_lists())
        )

    def detail_lists(self) -> list[models.Prefetch]:
        return [
            models.Prefetch(
                "organizations",
                queryset=Organization.objects.published(),
                to_attr="organization_list",
            ),
            models.Prefetch(
                "citations",
                queryset=ProjectCitation.objects.filter(source__is_published=True).select_related(
                    "source"
                ),
                to_attr="citation_list",
            ),
        ]


class Project(PartialDatesMixin, CuratedModel):
    name = models.CharField(max_length=300, validators=[reject_control_characters])
    kind = models.CharField(
        max_length=16, choices=ProjectKind.choices, default=ProjectKind.OTHER, db_index=True
    )
    status = models.CharField(
        max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.AGREED, db_index=True
    )
    states = models.ManyToManyField(State, related_name="projects", blank=True)
    organizations = models.ManyToManyField(Organization, related_name="projects", blank=True)
    sectors = models.ManyToManyField(Sector, related_name="projects", blank=True)
    city = models.CharField(max_length=100, blank=True, validators=[reject_control_characters])
    location_state = models.ForeignKey(
        State,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects_located",
        verbose_name="location (state)",
    )
    value_amount = models.DecimalField(
        "value",
        max_digits=20,
        decimal_places=2,
        null=True,
        blank=True,
        db_index=True,
        validators=[MinValueValidator(0)],
    )
    value_currency = models.CharField(
        "currency",
        max_length=3,
        blank=True,
        validators=[validate_currency, reject_control_characters],
        help_text="ISO 4217 code, e.g. USD.",
    )
    value_note = models.CharField(
        max_length=300,
        blank=True,
        help_text="e.g. 'reported as “over $2 billion”'.",
        validators=[reject_control_characters],
    )
    start_on = models.DateField("start", null=True, blank=True, db_index=True)
    start_on_precision = precision_field("start date precision")
    completion_on = models.DateField("completion", null=True, blank=True)
    completion_on_precision = precision_field("completion date precision")
    description = models.TextField(blank=True, validators=[reject_control_characters])
    treaty = models.ForeignKey(
        "diplomacy.Treaty",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects",
        verbose_name="related treaty",
    )
    visit = models.ForeignKey(
        "diplomacy.Visit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects",
        verbose_name="announced at visit",
    )
    notes = models.TextField(blank=True, validators=[reject_control_characters])
    search_vector = SearchVectorField(
        null=True,
        editable=False,
        serialize=False,
        help_text="Maintained by a PostgreSQL trigger; unused on SQLite.",
    )

    objects = ProjectQuerySet.as_manager()
    history = HistoricalRecords(
        m2m_fields=[states, organizations, sectors],
        excluded_fields=["search_vector"],
        no_db_index=[
            *HISTORY_UNREAD_INDEXES,
            "value_amount",
            "start_on",
            "location_state",
            "treaty",
            "visit",
        ],
    )
    partial_dates = ("start_on", "completion_on")
    codes_dates = partial_dates

    class Meta:
        permissions = [("publish_project", "Can publish and unpublish projects")]
        # Newest first, undated last, pk tie-break: the order of the partial
        # index the public lists read (migration 0005).
        ordering = [models.F("start_on").desc(nulls_last=True), "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=ProjectKind.values), name="diplomacy_project_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ProjectStatus.values),
                name="diplomacy_project_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(value_amount__isnull=True) | models.Q(value_amount__gte=0),
                name="diplomacy_project_value_not_negative",
            ),
            models.CheckConstraint(
                condition=(models.Q(value_amount__isnull=True) & models.Q(value_currency=""))
                | (
                    models.Q(value_amount__isnull=False)
                    & models.Q(value_currency__regex=r"^[A-Z]{3}$")
                ),
                name="diplomacy_project_value_has_currency",
            ),
            precision_constraint("project", "start_on"),
            precision_constraint("project", "completion_on"),
            dates_in_order_constraint(
                "project", "start_on", "completion_on", "completion_not_before_start"
            ),
        ]
        indexes = [
            models.Index(fields=["is_published", "start_on"], name="diplomacy_project_pub_start"),
            models.Index(fields=["value_currency", "value_amount"], name="diplomacy_project_value"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return record_url("project-detail", "slug", self.slug)

    @property
    def start(self):
        return self.partial("start_on")

    @property
    def completion(self):
        return self.partial("completion_on")

    def clean(self):
        super().clean()
        if self.value_amount is not None and not self.value_currency:
            raise ValidationError({"value_currency": "A value needs its ISO 4217 currency."})
        if self.value_amount is None and self.value_currency:
            raise ValidationError({"value_amount": "A currency was given without a value."})
        self.clean_date_order("start_on", "completion_on", "Cannot be before the start.")


class ProjectCitation(Citation):
    record = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="citations")
    history = HistoricalRecords()


class ProjectState(models.Model):
    """A row of the project-state link table, read with the two columns that
    migration 0008 adds to it: a copy of the project's start date and
    publication, written by database triggers on every write path.

    Read-only and unmanaged: Django keeps the table as ``Project.states``'
    automatic link table (the admin's state picker, ``.set()``, history and
    backups are untouched); this model only lets a state page read "the state's
    latest projects" as one range of a partial index."""

    project = models.ForeignKey(Project, on_delete=models.DO_NOTHING, related_name="+")
    state = models.ForeignKey(State, on_delete=models.DO_NOTHING, related_name="+")
    project_start_on = models.DateField(null=True, editable=False)
    project_is_published = models.BooleanField(default=False, editable=False)

    class Meta:
        managed = False
        db_table = "diplomacy_project_states"

    def __str__(self) -> str:
        return f"{self.project_id} in {self.state_id}"
