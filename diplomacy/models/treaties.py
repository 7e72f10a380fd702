"""Treaties: any signed international document (SPEC 3.4)."""

import datetime
import re

from django.apps import apps
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Coalesce, Least
from django.db.models.lookups import GreaterThanOrEqual, IsNull
from django.utils.functional import cached_property
from simple_history.models import HistoricalRecords

from diplomacy.choices import (
    ACTIVE_TREATY_STATUSES,
    BILATERAL_KINDS,
    RELATION_LEVEL_BY_KIND,
    ConsentMode,
    ExitKind,
    IdentifierScheme,
    TreatyKind,
    TreatyRelationKind,
    TreatyStatus,
)
from diplomacy.models.base import HISTORY_UNREAD_INDEXES, CuratedModel, CuratedQuerySet
from diplomacy.models.commitments import COMMITMENT_KINDS
from diplomacy.models.links import PublishedLinks
from diplomacy.models.reference import (
    Organization,
    Person,
    Sector,
    State,
    natural_key_lookup,
    published_sectors_by_pk,
    published_states_by_pk,
)
from diplomacy.models.sources import Citation
from diplomacy.models.states import states_gone_on, states_restored_on
from diplomacy.partial_dates import (
    PartialDate,
    PartialDatesMixin,
    dates_in_order_constraint,
    in_order,
    normalise,
    precision_constraint,
    precision_field,
)
from diplomacy.urlpaths import record_url
from diplomacy.validators import reject_control_characters

# What a short list row reads of a treaty.
ITEM_FIELDS = (
    "slug", "title", "kind", "status", "signed_on", "signed_on_precision", "entry_into_force_on",
)  # fmt: skip


class TreatyQuerySet(CuratedQuerySet):
    def for_list(self):
        """What a list row shows: party rows (with their published states) and
        sectors, in one more query for both (and the commitment kinds)."""
        return self.with_links(PARTY_ROWS, SECTORS, COMMITMENT_KINDS)

    def for_items(self):
        """What a short record list (a state's latest treaties) shows: title,
        kind, date and the parties' names; the rest of each record is not read."""
        return (
            # entry_into_force_on: a list filtered by in_force_on marks the
            # rows that count by signature only.
            self.only(*ITEM_FIELDS).prefetch_related(None).with_links(None).with_links(PARTY_STATES)
        )

    def for_table(self):
        """A list page's rows: ``for_items``, the sectors' names and commitment kinds."""
        return self.for_items().with_links(*TABLE_LINKS, COMMITMENT_KINDS)

    def for_detail(self):
        """Everything a treaty page links to, drafts of related records left out."""
        return (
            self.for_list()
            .prefetch_related(
                # A draft visit reads as no visit at all.
                models.Prefetch(
                    "visit", queryset=apps.get_model("diplomacy", "Visit").objects.published()
                ),
            )
            .prefetch_sparse(*self.detail_lists())
        )

    def detail_lists(self) -> list[models.Prefetch]:
        return [
            models.Prefetch(
                "commitments",
                queryset=apps.get_model("diplomacy", "Commitment")
                .objects.select_related("kind", "source")
                .prefetch_related("parties_bound"),
                to_attr="commitment_list",
            ),
            models.Prefetch("identifiers", to_attr="identifier_list"),
            models.Prefetch(
                "signatories",
                queryset=Person.objects.published().select_related("state"),
                to_attr="signatory_list",
            ),
            models.Prefetch(
                "organizations",
                queryset=Organization.objects.published(),
                to_attr="organization_list",
            ),
            models.Prefetch(
                "citations",
                queryset=TreatyCitation.objects.filter(source__is_published=True).select_related(
                    "source"
                ),
                to_attr="citation_list",
            ),
            models.Prefetch(
                "relations_from",
                queryset=TreatyRelation.objects.filter(to_treaty__is_published=True).select_related(
                    "to_treaty"
                ),
                to_attr="relations_from_list",
            ),
            models.Prefetch(
                "relations_to",
                queryset=TreatyRelation.objects.filter(
                    from_treaty__is_published=True
                ).select_related("from_treaty"),
                to_attr="relations_to_list",
            ),
            models.Prefetch(
                "projects",
                queryset=apps.get_model("diplomacy", "Project").objects.published(),
                to_attr="project_list",
            ),
        ]


def binding_relation_treaty(prefix: str = "") -> models.Q:
    """Published treaties of a kind that sets a relation's level, still
    binding (``prefix``: the path to the treaty, e.g. ``"treaty__"``)."""
    return models.Q(
        **{
            f"{prefix}is_published": True,
            f"{prefix}ended_on__isnull": True,
            f"{prefix}kind__in": list(RELATION_LEVEL_BY_KIND),
            f"{prefix}status__in": list(ACTIVE_TREATY_STATUSES),
        }
    )


# Statuses of a treaty that bound its parties until its end.
ENDED_TREATY_STATUSES = (TreatyStatus.TERMINATED, TreatyStatus.EXPIRED)


def treaty_in_force_on(day, prefix: str = "") -> models.Q:
    """Treaties in force on ``day`` (SPEC 3.10): entered into force on or
    before it, or, where no entry into force is recorded and the status does
    not say it is not binding, signed on or before it; and not ended before it
    (an end date, or, without one, a status that still binds). Plain column
    comparisons, so each side can use the date indexes."""
    p = prefix
    active = {f"{p}status__in": list(ACTIVE_TREATY_STATUSES)}
    # By signature: a treaty that binds, or one that ended on a known day
    # (it bound until then); never one under negotiation or suspended.
    by_signature = models.Q(**active) | models.Q(
        **{f"{p}status__in": list(ENDED_TREATY_STATUSES), f"{p}ended_on__isnull": False}
    )
    started = models.Q(**{f"{p}entry_into_force_on__lte": day}) | (
        models.Q(**{f"{p}entry_into_force_on__isnull": True, f"{p}signed_on__lte": day})
        & by_signature
    )
    not_ended = models.Q(**{f"{p}ended_on__gte": day}) | models.Q(
        **{f"{p}ended_on__isnull": True, **active}
    )
    return started & not_ended


def party_member_on(day, prefix: str = "", state_id: int | None = None) -> models.Q:
    """Party rows whose state was a member on ``day``: from its own entry into
    force, else its own consent; a party with neither is one from the treaty's
    own start (checked by ``treaty_in_force_on``); until it left (SPEC 3.10:
    not left before ``day``), and while the state existed (SPEC 3.9:
    ``state_existed_as_member_on``). ``state_id``: the rows are of that
    state alone (the condition is then the one that applies to it)."""
    p = prefix
    joined = (
        models.Q(**{f"{p}entry_into_force_on__lte": day})
        | models.Q(**{f"{p}entry_into_force_on__isnull": True, f"{p}consented_on__lte": day})
        | models.Q(**{f"{p}entry_into_force_on__isnull": True, f"{p}consented_on__isnull": True})
    )
    not_left = models.Q(**{f"{p}left_on__isnull": True}) | models.Q(**{f"{p}left_on__gte": day})
    return joined & not_left & state_existed_as_member_on(day, prefix, state_id)


def bound_two_parties_on(day: datetime.date) -> models.Q:
    """Treaties that bound at least two of their parties on ``day`` (SPEC
    3.9, 3.10): one whose parties have all but one left it or ceased to exist
    binds nobody, whatever its status says (an alliance of the Soviet Union
    and the GDR in 1995). Where the register holds fewer than two parties of a
    treaty, those it holds must be bound; a treaty with none recorded is
    judged by its own dates alone. Asked of each treaty's few party rows."""
    rows = TreatyParty.objects.filter(treaty=models.OuterRef("pk")).order_by().values("treaty")
    bound = rows.annotate(
        members=models.Count("pk", filter=party_member_on(day)), recorded=models.Count("pk")
    ).filter(members__gte=Least(models.Value(2), models.F("recorded")))
    return models.Q(models.Exists(bound)) | ~models.Q(models.Exists(rows))


def state_existed_as_member_on(
    day: datetime.date, prefix: str = "", state_id: int | None = None
) -> models.Q:
    """Party rows whose state existed on ``day`` in the same stretch of its
    existence as it joined: a state's memberships end with it, and a state
    restored later does not get them back (``existence_end``, which the
    relations' spans use). The few states concerned are read per data
    version (``state_lifetimes``), so this is plain comparisons on the row,
    and nothing for the rows of a state that has always existed since."""
    p = prefix
    gone = states_gone_on(day)
    restored = states_restored_on(day)
    if state_id is not None:
        gone = [pk for pk in gone if pk == state_id]
        restored = {pk: since for pk, since in restored.items() if pk == state_id}
    condition = models.Q()
    if gone:
        condition &= ~models.Q(**{f"{p}state_id__in": gone})
    if restored:
        # Its membership begins on its own dates, else the treaty's signature;
        # undated, it is taken as of the existence that holds ``day``, as the
        # relations' spans take it.
        start = Coalesce(f"{p}entry_into_force_on", f"{p}consented_on", f"{p}treaty_signed_on")
        since = models.Q()
        for pk, first_day in sorted(restored.items()):
            since |= models.Q(
                models.Q(**{f"{p}state_id": pk}),
                models.Q(GreaterThanOrEqual(start, first_day)) | models.Q(IsNull(start, True)),
            )
        condition &= ~models.Q(**{f"{p}state_id__in": sorted(restored)}) | since
    return condition


class Treaty(PartialDatesMixin, CuratedModel):
    title = models.CharField(max_length=500, validators=[reject_control_characters])
    short_title = models.CharField(
        max_length=200, blank=True, validators=[reject_control_characters]
    )
    kind = models.CharField(
        max_length=24, choices=TreatyKind.choices, default=TreatyKind.AGREEMENT, db_index=True
    )
    status = models.CharField(
        max_length=16, choices=TreatyStatus.choices, default=TreatyStatus.SIGNED, db_index=True
    )
    signed_on = models.DateField("signed", null=True, blank=True, db_index=True)
    signed_on_precision = precision_field("signature date precision")
    place_signed = models.CharField(
        "place of signature", max_length=200, blank=True, validators=[reject_control_characters]
    )
    entry_into_force_on = models.DateField("entry into force", null=True, blank=True)
    entry_into_force_on_precision = precision_field("entry into force precision")
    ended_on = models.DateField("ended", null=True, blank=True)
    ended_on_precision = precision_field("end date precision")
    parties = models.ManyToManyField(
        State, through="TreatyParty", related_name="treaties", blank=True
    )
    signatories = models.ManyToManyField(Person, related_name="treaties_signed", blank=True)
    organizations = models.ManyToManyField(Organization, related_name="treaties", blank=True)
    sectors = models.ManyToManyField(Sector, related_name="treaties", blank=True)
    summary = models.TextField(blank=True, validators=[reject_control_characters])
    full_text_url = models.URLField(
        "full text URL", max_length=500, blank=True, validators=[reject_control_characters]
    )
    visit = models.ForeignKey(
        "diplomacy.Visit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="treaties",
        help_text="The visit during which it was signed.",
    )
    notes = models.TextField(
        blank=True,
        help_text="Editorial notes, e.g. where sources disagree on title or date.",
        validators=[reject_control_characters],
    )
    search_vector = SearchVectorField(
        null=True,
        editable=False,
        serialize=False,
        help_text="Maintained by a PostgreSQL trigger; unused on SQLite.",
    )

    objects = TreatyQuerySet.as_manager()
    history = HistoricalRecords(
        m2m_fields=[signatories, organizations, sectors],
        excluded_fields=["search_vector"],
        no_db_index=[*HISTORY_UNREAD_INDEXES, "signed_on", "visit"],
    )
    partial_dates = ("signed_on", "entry_into_force_on", "ended_on")
    codes_dates = partial_dates

    class Meta:
        # Newest first, undated last, pk tie-break: the order of the partial
        # index the public lists read (migration 0005).
        ordering = [models.F("signed_on").desc(nulls_last=True), "-pk"]
        verbose_name_plural = "treaties"
        permissions = [("publish_treaty", "Can publish and unpublish treaties")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=TreatyKind.values), name="diplomacy_treaty_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=TreatyStatus.values),
                name="diplomacy_treaty_status_valid",
            ),
            precision_constraint("treaty", "signed_on"),
            precision_constraint("treaty", "entry_into_force_on"),
            precision_constraint("treaty", "ended_on"),
            dates_in_order_constraint(
                "treaty", "signed_on", "entry_into_force_on", "force_not_before_signature"
            ),
            dates_in_order_constraint(
                "treaty", "signed_on", "ended_on", "end_not_before_signature"
            ),
            dates_in_order_constraint(
                "treaty", "entry_into_force_on", "ended_on", "end_not_before_force"
            ),
        ]
        indexes = [
            models.Index(fields=["is_published", "signed_on"], name="diplomacy_treaty_pub_signed"),
            # The treaties that set a relation's level (diplomacy.relations), a
            # few percent of all: with their kind and date in the index, a
            # state's partners and a pair's level are read from it alone.
            models.Index(
                fields=["id"],
                include=["kind", "signed_on"],
                condition=binding_relation_treaty(),
                name="diplomacy_treaty_binding_rel",
            ),
            # Every treaty that ever set a relation's level, ended or not: a
            # pair's level history and a state's former partners read their
            # dates and status from it alone.
            models.Index(
                fields=["id"],
                include=["kind", "status", "signed_on", "entry_into_force_on", "ended_on"],
                condition=models.Q(is_published=True, kind__in=list(RELATION_LEVEL_BY_KIND)),
                name="diplomacy_treaty_relation_kind",
            ),
            # in_force_on: published treaties by their entry into force.
            models.Index(
                fields=["is_published", "entry_into_force_on"], name="diplomacy_treaty_pub_force"
            ),
        ]

    def __str__(self) -> str:
        return self.short_title or self.title

    def get_absolute_url(self) -> str:
        return record_url("treaty-detail", "slug", self.slug)

    @property
    def signed(self):
        return self.partial("signed_on")

    @property
    def entry_into_force(self):
        return self.partial("entry_into_force_on")

    @property
    def ended(self):
        return self.partial("ended_on")

    @cached_property
    def party_states(self) -> list:
        """The parties' states by name: attached by ``for_items``/``for_table``,
        else read from the prefetched party rows."""
        return [row.state for row in self.party_rows]

    @cached_property
    def identifier_list(self) -> list:
        """Its identifiers in other registers: prefetched by ``for_detail``."""
        return list(self.identifiers.all())

    @property
    def is_multilateral(self) -> bool:
        """Bilateral or multilateral by party count; uses prefetched party rows when present."""
        rows = getattr(self, "party_rows", None)
        if rows is None:
            rows = self.__dict__.get("party_states")
        count = len(rows) if rows is not None else self.treatyparty_set.count()
        return count > 2

    def clean(self):
        super().clean()
        message = "Cannot be before the date of signature."
        self.clean_date_order("signed_on", "entry_into_force_on", message)
        self.clean_date_order("signed_on", "ended_on", message)
        self.clean_date_order(
            "entry_into_force_on", "ended_on", "Cannot be before entry into force."
        )

    @staticmethod
    def validate_party_count(kind: str, party_count: int) -> None:
        """A document that defines a relation between states needs two of them.

        Checked by the admin's party formset, the API serializer and the importer,
        since a row-level constraint cannot count rows of another table.
        """
        if kind in BILATERAL_KINDS and party_count < 2:
            label = TreatyKind(kind).label.lower()
            article = "An" if label[0] in "aeiou" else "A"
            raise ValidationError(f"{article} {label} document needs at least two parties.")


class TreatyPartyManager(models.Manager):
    def get_by_natural_key(self, treaty_slug, state_key):
        return self.get(treaty__slug=treaty_slug, **natural_key_lookup(state_key, "state__"))


class TreatyParty(PartialDatesMixin, models.Model):
    """A state's membership of a treaty (SPEC 3.10): how and when it consented,
    when the treaty entered into force for it, and when and how it left."""

    treaty = models.ForeignKey(Treaty, on_delete=models.CASCADE)
    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="treaty_parties")
    ratified_on = models.DateField(
        "ratified",
        null=True,
        blank=True,
        help_text="Kept for earlier clients: a ratification date with no consent recorded "
        "becomes consent by ratification on that date.",
    )
    ratified_on_precision = precision_field("ratification date precision")
    consent_mode = models.CharField(
        "consent", max_length=20, choices=ConsentMode.choices, blank=True,
        help_text="How the state consented to be bound.",
    )  # fmt: skip
    consented_on = models.DateField(
        "joined", null=True, blank=True, help_text="When it consented (signed, ratified, acceded…)."
    )
    consented_on_precision = precision_field("joining date precision")
    entry_into_force_on = models.DateField(
        "in force for it", null=True, blank=True,
        help_text="When the treaty entered into force for this state, if known.",
    )  # fmt: skip
    entry_into_force_on_precision = precision_field("entry into force precision")
    left_on = models.DateField(
        "left", null=True, blank=True, help_text="When its withdrawal or denunciation took effect."
    )
    left_on_precision = precision_field("exit date precision")
    exit_kind = models.CharField(
        "exit", max_length=12, choices=ExitKind.choices, blank=True,
        help_text="How it stopped being a party; required with an exit date.",
    )  # fmt: skip
    note = models.CharField(max_length=300, blank=True, validators=[reject_control_characters])
    # Copies of the treaty's signature date and publication, written by database
    # triggers (migration 0007) whatever the write path, so that "a state's
    # latest treaties" is one range of a partial index (PostgreSQL), at any size.
    treaty_signed_on = models.DateField(null=True, editable=False)
    treaty_is_published = models.BooleanField(default=False, editable=False)

    objects = TreatyPartyManager()
    history = HistoricalRecords(
        excluded_fields=["treaty_signed_on", "treaty_is_published"], no_db_index=["state"]
    )
    partial_dates = ("ratified_on", "consented_on", "entry_into_force_on", "left_on")
    codes_dates = ("consented_on", "entry_into_force_on", "left_on")

    class Meta:
        ordering = ["state__name", "pk"]
        verbose_name = "party"
        verbose_name_plural = "parties"
        constraints = [
            models.UniqueConstraint(
                fields=["treaty", "state"], name="diplomacy_treatyparty_unique_state"
            ),
            precision_constraint("treatyparty", "ratified_on"),
            precision_constraint("treatyparty", "consented_on"),
            precision_constraint("treatyparty", "entry_into_force_on"),
            precision_constraint("treatyparty", "left_on"),
            models.CheckConstraint(
                condition=models.Q(consent_mode__in=["", *ConsentMode.values]),
                name="diplomacy_treatyparty_consent_mode_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(exit_kind__in=["", *ExitKind.values]),
                name="diplomacy_treatyparty_exit_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True, exit_kind="")
                | (models.Q(left_on__isnull=False) & ~models.Q(exit_kind="")),
                name="diplomacy_treatyparty_exit_has_kind_and_date",
            ),
            dates_in_order_constraint(
                "treatyparty", "consented_on", "entry_into_force_on", "force_not_before_consent"
            ),
            dates_in_order_constraint(
                "treatyparty", "consented_on", "left_on", "exit_not_before_consent"
            ),
            dates_in_order_constraint(
                "treatyparty", "entry_into_force_on", "left_on", "exit_not_before_force"
            ),
        ]
        indexes = [
            # A state's party rows; with their own dates (PostgreSQL), a
            # membership on a date (relations on a date, in_force_on with a
            # party) is read from the index alone.
            models.Index(
                fields=["state", "treaty"],
                include=["consented_on", "entry_into_force_on", "left_on"],
                name="diplomacy_party_state_treaty",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.state} — {self.treaty}"

    def save(self, *args, **kwargs):
        self.consent_from_ratification()
        super().save(*args, **kwargs)

    def codes_date(self):
        """The party's own first known date, else its treaty's."""
        return super().codes_date() or self.treaty.codes_date()

    def acting_dates(self) -> list[PartialDate]:
        """The dates, besides its joining, on which the party acted as a state,
        so that its state existed on each (SPEC 3.9): the treaty's entry into
        force for it, its withdrawal or denunciation. Not an exit by ceasing to
        be a party, which may come with its state's end (the day after it)."""
        dates = [self.partial("entry_into_force_on")]
        if self.exit_kind != ExitKind.CEASED:
            dates.append(self.partial("left_on"))
        return [on for on in dates if on]

    def natural_key(self) -> tuple[str, str]:
        return (*self.treaty.natural_key(), *self.state.natural_key())

    natural_key.dependencies = ["diplomacy.treaty", "diplomacy.state"]

    def consent_from_ratification(self) -> None:
        """A ratification date given alone (as before memberships existed, and
        by clients that still send only ``ratified_on``) is consent by
        ratification on that date."""
        if self.ratified_on and not self.consent_mode and not self.consented_on:
            self.consent_mode = ConsentMode.RATIFICATION
            self.consented_on = self.ratified_on
            self.consented_on_precision = self.ratified_on_precision

    @property
    def ratified(self):
        return self.partial("ratified_on")

    @property
    def consented(self):
        return self.partial("consented_on")

    @property
    def entry_into_force(self):
        return self.partial("entry_into_force_on")

    @property
    def left(self):
        return self.partial("left_on")

    @property
    def joined(self):
        """Its own date of becoming a party: entry into force for it, else consent."""
        return self.entry_into_force or self.consented

    def clean(self):
        super().clean()
        self.consent_from_ratification()
        self.normalise_partial_dates()
        try:
            # In the admin, the treaty being edited, with the signature date its form sets.
            treaty = self.treaty
        except Treaty.DoesNotExist:
            treaty = None
        self.validate_membership(self, treaty)

    @staticmethod
    def validate_membership(values, treaty) -> None:
        """The membership's rules, for the admin, the API and the import alike
        (``values`` has the party's fields as attributes): its dates in order
        and none before the treaty's signature (at the precision the date is
        known to: a party that joined "in 1992" may have joined after a
        signature of 15 May 1992); an exit date and its kind together."""
        errors = {}
        get = lambda name: getattr(values, name, None)  # noqa: E731
        if get("left_on") and not get("exit_kind"):
            errors["exit_kind"] = "Say how it left: withdrawal, denunciation or ceased."
        if get("exit_kind") and not get("left_on"):
            errors["left_on"] = "Give the date it left."
        for earlier, later, message in (
            ("consented_on", "entry_into_force_on", "Cannot be before it joined."),
            ("consented_on", "left_on", "Cannot be before it joined."),
            ("entry_into_force_on", "left_on", "Cannot be before it entered into force for it."),
        ):
            first, second = get(earlier), get(later)
            precision = get(f"{later}_precision") or "day"
            if first and second and not in_order(first, second, precision):
                errors.setdefault(later, message)
        signed = treaty.signed_on if treaty is not None else None
        for name in ("consented_on", "entry_into_force_on", "left_on"):
            value, precision = get(name), get(f"{name}_precision") or "day"
            if value and signed and value < normalise(signed, precision) and name not in errors:
                errors[name] = f"Cannot be before the treaty's signature ({treaty.signed})."
        # Nobody joins a treaty, nor does it enter into force for them, after it ended.
        ended = getattr(treaty, "ended_on", None)
        for name in ("consented_on", "entry_into_force_on"):
            value = get(name)
            late = value and ended and not in_order(value, ended, treaty.ended_on_precision)
            if late and name not in errors:
                errors[name] = f"Cannot be after the treaty ended ({treaty.partial('ended_on')})."
        if errors:
            raise ValidationError(errors)


class TreatyRelation(models.Model):
    """A directed link: ``from_treaty`` supersedes / amends / implements ``to_treaty``."""

    from_treaty = models.ForeignKey(Treaty, on_delete=models.CASCADE, related_name="relations_from")
    to_treaty = models.ForeignKey(Treaty, on_delete=models.CASCADE, related_name="relations_to")
    kind = models.CharField(max_length=12, choices=TreatyRelationKind.choices)

    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_treaty", "to_treaty", "kind"], name="diplomacy_treatyrelation_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(from_treaty=models.F("to_treaty")),
                name="diplomacy_treatyrelation_not_self",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=TreatyRelationKind.values),
                name="diplomacy_treatyrelation_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_treaty} {self.get_kind_display().lower()} {self.to_treaty}"

    def clean(self):
        if self.from_treaty_id and self.from_treaty_id == self.to_treaty_id:
            raise ValidationError("A treaty cannot be related to itself.")


class TreatyCitation(Citation):
    record = models.ForeignKey(Treaty, on_delete=models.CASCADE, related_name="citations")
    history = HistoricalRecords()


IDENTIFIER_FORMATS = {
    IdentifierScheme.WIKIDATA: (
        r"^Q[1-9][0-9]*$",
        "A Wikidata item is Q followed by digits, e.g. Q42.",
    ),
    IdentifierScheme.ATOP: (r"^[0-9]{4,5}$", "An ATOP identifier is 4 or 5 digits, e.g. 3755."),
    IdentifierScheme.UNTS: (r"^[0-9A-Za-z-]{1,20}$", "A UNTS registration number, e.g. 54113."),
}


class TreatyIdentifier(models.Model):
    """The treaty's identifier in another register: the crosswalk to UNTS, ATOP, Wikidata."""

    treaty = models.ForeignKey(Treaty, on_delete=models.CASCADE, related_name="identifiers")
    scheme = models.CharField(max_length=10, choices=IdentifierScheme.choices)
    scheme_name = models.CharField(
        max_length=60,
        blank=True,
        help_text="Name of the register when the scheme is “other”.",
        validators=[reject_control_characters],
    )
    value = models.CharField(max_length=100, validators=[reject_control_characters])

    history = HistoricalRecords()

    class Meta:
        ordering = ["scheme", "scheme_name", "value", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "scheme_name", "value"],
                name="diplomacy_treatyidentifier_unique_per_scheme",
            ),
            models.UniqueConstraint(
                fields=["treaty", "scheme"],
                condition=~models.Q(scheme=IdentifierScheme.OTHER),
                name="diplomacy_treatyidentifier_one_per_register",
            ),
            models.CheckConstraint(
                condition=models.Q(scheme__in=IdentifierScheme.values),
                name="diplomacy_treatyidentifier_scheme_valid",
            ),
            models.CheckConstraint(
                condition=(models.Q(scheme=IdentifierScheme.OTHER) & ~models.Q(scheme_name=""))
                | (~models.Q(scheme=IdentifierScheme.OTHER) & models.Q(scheme_name="")),
                name="diplomacy_treatyidentifier_other_is_named",
            ),
        ]
        indexes = [models.Index(fields=["value"], name="diplomacy_identifier_value")]

    def __str__(self) -> str:
        return f"{self.scheme_label}: {self.value}"

    @property
    def scheme_label(self) -> str:
        return (
            self.scheme_name if self.scheme == IdentifierScheme.OTHER else self.get_scheme_display()
        )

    @property
    def link(self) -> str:
        if self.scheme == IdentifierScheme.WIKIDATA:
            return f"https://www.wikidata.org/wiki/{self.value}"
        return ""

    def clean(self):
        if self.scheme == IdentifierScheme.OTHER and not self.scheme_name:
            raise ValidationError({"scheme_name": "Name the register for an “other” identifier."})
        if self.scheme != IdentifierScheme.OTHER:
            self.scheme_name = ""
        pattern = IDENTIFIER_FORMATS.get(self.scheme)
        if pattern and not re.match(pattern[0], self.value or ""):
            raise ValidationError({"value": pattern[1]})


# A treaty's links, read through the published maps (``for_list`` and the rest).
PARTY_ROWS = PublishedLinks(
    "party_rows", TreatyParty, "treaty_id", "state_id", published_states_by_pk, rows=True
)
PARTY_STATES = PublishedLinks(
    "party_states", TreatyParty, "treaty_id", "state_id", published_states_by_pk
)
SECTORS = PublishedLinks(
    "sector_list", Treaty.sectors.through, "treaty_id", "sector_id", published_sectors_by_pk
)
# What a list row shows besides the treaty's own columns.
TABLE_LINKS = (PARTY_STATES, SECTORS)
