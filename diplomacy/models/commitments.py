"""Commitments: what a treaty binds its parties to, coded and quoted (SPEC 3.11).

Design: the vocabulary is a reference table (``CommitmentKind``) with a
stable ``value`` (``defence``, ``consultation``, …) used in addresses, the API
and the CSV. Editors may add rows in the admin; the rows SPEC 3.11 names are
loaded by migration 0014 and their values never change. The ``commitment``
filter turns values into kind ids and reads the rarest kind's rows in the
list's order (their copies of the treaty's date, migration 0018).
"""

from django.core.validators import RegexValidator
from django.db import models
from simple_history.models import HistoricalRecords

from diplomacy.caching import cached_objects
from diplomacy.models.links import PublishedLinks
from diplomacy.models.reference import State
from diplomacy.models.sources import Source
from diplomacy.validators import reject_control_characters

KIND_VALUE_FORMAT = RegexValidator(
    r"^[a-z][a-z0-9_]{0,39}\Z", "Lower-case letters, digits and underscores, e.g. defence."
)


class CommitmentKindManager(models.Manager):
    def get_by_natural_key(self, value):
        return self.get(value=value)


class CommitmentKind(models.Model):
    """A value of the commitment vocabulary, with its place on the relation
    ladder (``diplomacy.relations``): ``makes_alliance`` kinds (defence,
    offence) are what make a treaty's parties allies; a treaty whose security
    commitments are only consultation, neutrality or non-aggression ranks
    below alliance."""

    value = models.CharField(
        max_length=40,
        unique=True,
        validators=[reject_control_characters, KIND_VALUE_FORMAT],
        help_text="Stable value used in addresses and the API; never change it once used.",
    )
    label = models.CharField(max_length=100, validators=[reject_control_characters])
    description = models.TextField(blank=True, validators=[reject_control_characters])
    makes_alliance = models.BooleanField(
        default=False,
        help_text="A military obligation (defence, offence): a treaty with it makes its "
        "parties allies.",
    )
    order = models.PositiveSmallIntegerField(default=100, help_text="Place in lists and tables.")
    # Its version, so that a stale admin form is refused (diplomacy.versions).
    updated_at = models.DateTimeField(auto_now=True)

    objects = CommitmentKindManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "value"]

    def __str__(self) -> str:
        return self.label

    def natural_key(self) -> tuple[str]:
        return (self.value,)


class CommitmentQuerySet(models.QuerySet):
    def published(self):
        """Commitments the public may see: a commitment is shown only with its
        published treaty."""
        return self.filter(treaty__is_published=True)


class Commitment(models.Model):
    # By name: the treaty module reads this one's links (COMMITMENT_KINDS).
    treaty = models.ForeignKey(
        "diplomacy.Treaty", on_delete=models.CASCADE, related_name="commitments"
    )
    kind = models.ForeignKey(CommitmentKind, on_delete=models.PROTECT, related_name="commitments")
    article = models.CharField(
        "article or locator",
        max_length=100,
        blank=True,
        help_text="Where in the treaty: article, paragraph, e.g. 'Article 4'.",
        validators=[reject_control_characters],
    )
    quote = models.TextField(
        blank=True,
        help_text="The passage that states the commitment, verbatim.",
        validators=[reject_control_characters],
    )
    source = models.ForeignKey(
        Source,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commitments",
        help_text="Where the quoted passage is found.",
    )
    locator = models.CharField(
        max_length=100,
        blank=True,
        help_text="Where in the source: page, paragraph, item.",
        validators=[reject_control_characters],
    )
    conditions = models.CharField(
        max_length=500,
        blank=True,
        help_text="When it applies, e.g. 'if attacked by a third state'.",
        validators=[reject_control_characters],
    )
    parties_bound = models.ManyToManyField(
        State,
        blank=True,
        related_name="commitments_bound",
        help_text="The parties it binds when not all of them; empty means all parties.",
    )
    # Copies of the treaty's signature date and publication, written by database
    # triggers (migration 0018) whatever the write path, as the party rows'
    # (0007): the list filtered by a kind reads one range of the (kind, list
    # order) index on PostgreSQL, newest first, at any size.
    treaty_signed_on = models.DateField(null=True, editable=False)
    treaty_is_published = models.BooleanField(default=False, editable=False)

    objects = CommitmentQuerySet.as_manager()
    history = HistoricalRecords(
        m2m_fields=[parties_bound], excluded_fields=["treaty_signed_on", "treaty_is_published"]
    )

    class Meta:
        ordering = ["treaty", "kind__order", "kind", "pk"]
        indexes = [
            # The commitment filter: treaties with a kind, read from the index.
            models.Index(fields=["kind", "treaty"], name="diplomacy_commitment_kind"),
        ]

    def __str__(self) -> str:
        where = f" ({self.article})" if self.article else ""
        return f"{self.kind}{where}"

    @staticmethod
    def not_parties(bound_states, party_ids) -> str | None:
        """What is wrong with binding ``bound_states`` when the treaty's parties
        are ``party_ids``: a commitment binds parties only (None: nothing)."""
        strangers = [state.name for state in bound_states if state.pk not in party_ids]
        if not strangers:
            return None
        verb = "is not a party" if len(strangers) == 1 else "are not parties"
        return (
            f"{', '.join(strangers)} {verb} to the treaty: a commitment binds only its "
            "parties (add the state as a party, or bind only parties)."
        )


def commitment_kinds_by_pk() -> dict:
    """``{pk: CommitmentKind}`` in the vocabulary's order, kept per data version."""
    return cached_objects(
        "objects:diplomacy.commitmentkind", lambda: {k.pk: k for k in CommitmentKind.objects.all()}
    )


def commitment_kind_ids() -> dict[str, int]:
    """Each commitment kind's stable value and its primary key (the filters
    and the imports read kinds by value)."""
    return {kind.value: pk for pk, kind in commitment_kinds_by_pk().items()}


class KindLinks(PublishedLinks):
    """Links to the vocabulary, whose map is read (once per data version) only
    when a row has a commitment: a page of treaties without any costs nothing."""

    def attach(self, records: list, database: str, pairs: list | None = None) -> None:
        if pairs is not None and not pairs:
            for record in records:
                setattr(record, self.to_attr, [])
            return
        super().attach(records, database, pairs)


# A treaty's commitment kinds, one per commitment row (a kind may repeat),
# read with its other links in the same query.
COMMITMENT_KINDS = KindLinks(
    "commitment_kinds", Commitment, "treaty_id", "kind_id", commitment_kinds_by_pk
)


# The place of security pacts on the relation ladder (SPEC 3.8, 3.11; /about/):
# an "alliance" treaty whose security commitments are only these (no defence or
# offence: ``CommitmentKind.makes_alliance``) is a pact, not an alliance, and
# ranks as a strategic partnership. An alliance with no security commitment
# recorded (the seeds' political alliances) stays an alliance.
PACT_VALUES = frozenset({"consultation", "neutrality", "non_aggression"})


def is_pact_only(kinds) -> bool:
    """Whether commitments of ``kinds`` make a security pact below alliance."""
    kinds = list(kinds)
    return any(k.value in PACT_VALUES for k in kinds) and not any(k.makes_alliance for k in kinds)


def pact_only_q(treaty_ref: str = "pk") -> models.Q:
    """``is_pact_only`` in SQL, for the treaty ``OuterRef(treaty_ref)`` names: the
    state page and the home page rank partners in the database, and must rank a
    pact as the relations page does. Both lookups read the (treaty, kind) index."""
    of_treaty = Commitment.objects.filter(treaty_id=models.OuterRef(treaty_ref))
    return models.Q(
        models.Exists(of_treaty.filter(kind__value__in=PACT_VALUES)),
        ~models.Exists(of_treaty.filter(kind__makes_alliance=True)),
    )
