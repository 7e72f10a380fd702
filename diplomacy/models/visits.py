"""Official visits between states (SPEC 3.5)."""

from django.apps import apps
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from diplomacy.choices import VisitKind, VisitLevel
from diplomacy.models.base import HISTORY_UNREAD_INDEXES, CuratedModel, CuratedQuerySet
from diplomacy.models.reference import Person, State
from diplomacy.models.sources import Citation
from diplomacy.partial_dates import (
    PartialDatesMixin,
    dates_in_order_constraint,
    precision_constraint,
    precision_field,
)
from diplomacy.urlpaths import record_url
from diplomacy.validators import reject_control_characters


class VisitQuerySet(CuratedQuerySet):
    def for_list(self):
        return self.select_related("host", "guest").prefetch_related(
            # Filtered prefetches: ``visit.principals.all()`` then holds no drafts.
            models.Prefetch("principals", queryset=Person.objects.published())
        )

    def for_items(self):
        """What a short visit list (a state's page) shows: title, guest, host, date."""
        return self.select_related("host", "guest").only(
            "slug", "title", "start_on", "start_on_precision", "host__name", "guest__name"
        )

    def for_detail(self):
        """Everything a visit page links to, drafts of related records left out."""
        return self.for_list().prefetch_sparse(
            models.Prefetch(
                "citations",
                queryset=VisitCitation.objects.filter(source__is_published=True).select_related(
                    "source"
                ),
                to_attr="citation_list",
            ),
            models.Prefetch(
                "treaties",
                queryset=apps.get_model("diplomacy", "Treaty").objects.published(),
                to_attr="treaty_list",
            ),
            models.Prefetch(
                "projects",
                queryset=apps.get_model("diplomacy", "Project").objects.published(),
                to_attr="project_list",
            ),
        )


class Visit(PartialDatesMixin, CuratedModel):
    title = models.CharField(max_length=300, validators=[reject_control_characters])
    kind = models.CharField(
        max_length=12, choices=VisitKind.choices, default=VisitKind.OFFICIAL, db_index=True
    )
    level = models.CharField(
        max_length=20, choices=VisitLevel.choices, default=VisitLevel.HEAD_OF_STATE, db_index=True
    )
    host = models.ForeignKey(State, on_delete=models.PROTECT, related_name="visits_hosted")
    guest = models.ForeignKey(State, on_delete=models.PROTECT, related_name="visits_made")
    principals = models.ManyToManyField(Person, related_name="visits", blank=True)
    start_on = models.DateField("start", null=True, blank=True, db_index=True)
    start_on_precision = precision_field("start date precision")
    end_on = models.DateField("end", null=True, blank=True)
    end_on_precision = precision_field("end date precision")
    city = models.CharField(max_length=100, blank=True, validators=[reject_control_characters])
    summary = models.TextField(blank=True, validators=[reject_control_characters])
    notes = models.TextField(blank=True, validators=[reject_control_characters])
    search_vector = SearchVectorField(
        null=True,
        editable=False,
        serialize=False,
        help_text="Maintained by a PostgreSQL trigger; unused on SQLite.",
    )

    objects = VisitQuerySet.as_manager()
    history = HistoricalRecords(
        m2m_fields=[principals],
        excluded_fields=["search_vector"],
        no_db_index=[*HISTORY_UNREAD_INDEXES, "level", "start_on", "host", "guest"],
    )
    partial_dates = ("start_on", "end_on")
    codes_dates = partial_dates

    class Meta:
        permissions = [("publish_visit", "Can publish and unpublish visits")]
        # Newest first, undated last, pk tie-break: the order of the partial
        # index the public lists read (migration 0005).
        ordering = [models.F("start_on").desc(nulls_last=True), "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(host=models.F("guest")),
                name="diplomacy_visit_host_differs_from_guest",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=VisitKind.values), name="diplomacy_visit_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(level__in=VisitLevel.values), name="diplomacy_visit_level_valid"
            ),
            precision_constraint("visit", "start_on"),
            precision_constraint("visit", "end_on"),
            dates_in_order_constraint("visit", "start_on", "end_on", "end_not_before_start"),
        ]
        indexes = [
            models.Index(fields=["is_published", "start_on"], name="diplomacy_visit_pub_start"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return record_url("visit-detail", "slug", self.slug)

    @property
    def start(self):
        return self.partial("start_on")

    @property
    def end(self):
        return self.partial("end_on")

    def clean(self):
        super().clean()
        if self.host_id and self.host_id == self.guest_id:
            raise ValidationError({"guest": "The guest state must differ from the host state."})
        self.clean_date_order("start_on", "end_on", "Cannot be before the start of the visit.")


class VisitCitation(Citation):
    record = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="citations")
    history = HistoricalRecords()
