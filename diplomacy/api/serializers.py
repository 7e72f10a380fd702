"""Serializers of the API: compact nested summaries for reading, validated writes.

Writes go through the same rules as the admin: the model fields' validators
(lengths, formats, no control characters), model ``clean()`` for date order
and host/guest, the model's check constraints (``validate_constraints``), and
``Treaty.validate_party_count`` for parties; the database constraints stay
behind all of them.
"""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from diplomacy.api.fields import (
    WRITTEN_DATE_HELP,
    AmountField,
    KeyField,
    StateCodeField,
    StrictBooleanField,
    StrictCharField,
    StrictEmailField,
    StrictIntegerField,
    StrictSlugField,
    StrictURLField,
    SummaryRelatedField,
    UpperCaseCharField,
    WrittenDateField,
    apply_written_dates,
    documented_validators,
)
from diplomacy.api.summaries import (
    OrganizationSummarySerializer,
    PersonSummarySerializer,
    ProjectSummarySerializer,
    SectorSummarySerializer,
    SourceSummarySerializer,
    TreatySummarySerializer,
    VisitSummarySerializer,
    absolute_url,
    api_url,
)
from diplomacy.choices import ConsentMode, DatePrecision, ExitKind
from diplomacy.models import (
    Commitment,
    CommitmentKind,
    Organization,
    Person,
    Project,
    Sector,
    Source,
    State,
    Treaty,
    TreatyParty,
    Visit,
)
from diplomacy.models.states import existence_errors
from diplomacy.partial_dates import PartialDate


class CitationSerializer(serializers.Serializer):
    source = SourceSummarySerializer(read_only=True)
    quote = serializers.CharField(read_only=True)
    locator = serializers.CharField(read_only=True)


# -- shared behaviour of the curated records ------------------------------------------


class RecordSerializer(serializers.ModelSerializer):
    """Adds ``url`` (API) and ``html_url`` (public page); runs the model's clean()."""

    url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()
    route = ""
    lookup = "slug"

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.BooleanField: StrictBooleanField,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.SlugField: StrictSlugField,
        models.URLField: StrictURLField,
        models.EmailField: StrictEmailField,
        models.IntegerField: StrictIntegerField,
        models.SmallIntegerField: StrictIntegerField,
        models.PositiveIntegerField: StrictIntegerField,
        models.PositiveSmallIntegerField: StrictIntegerField,
    }

    def build_standard_field(self, field_name, model_field):
        field_class, field_kwargs = super().build_standard_field(field_name, model_field)
        if field_name in getattr(model_field.model, "partial_dates", ()):
            field_class = WrittenDateField
            field_kwargs["help_text"] = WRITTEN_DATE_HELP
        if "validators" in field_kwargs:
            field_kwargs["validators"] = documented_validators(
                field_kwargs["validators"], blank=field_kwargs.get("allow_blank", False)
            )
        return field_class, field_kwargs

    def get_url(self, record) -> str:
        if self.lookup == "iso2":
            # A state's URL names its public code (a current state's is its iso2).
            return api_url(self.context.get("request"), self.route, iso2=record.code)
        value = getattr(record, self.lookup)
        return api_url(self.context.get("request"), self.route, **{self.lookup: value})

    def get_html_url(self, record) -> str:
        return absolute_url(self.context.get("request"), record.get_absolute_url())

    def to_internal_value(self, data):
        attrs = super().to_internal_value(data)
        return apply_written_dates(attrs, data, getattr(self.Meta.model, "partial_dates", ()))

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        concrete = {f.name for f in model._meta.concrete_fields}
        candidate = model(
            **{
                **{
                    f.name: getattr(self.instance, f.name)
                    for f in model._meta.concrete_fields
                    if self.instance is not None and not f.primary_key
                },
                **{key: value for key, value in attrs.items() if key in concrete},
            }
        )
        try:
            candidate.clean()
            # The database's check constraints, checked first as the admin's
            # forms do (full_clean), so that a value it would refuse is a 400,
            # not an IntegrityError on the write.
            candidate.validate_constraints()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(field_errors(exc)) from exc
        return attrs


def field_errors(exc: DjangoValidationError) -> dict | list:
    """A Django ValidationError as DRF reports one: per field, and the
    errors of no field under ``non_field_errors``."""
    if not hasattr(exc, "error_dict"):
        return exc.messages
    errors = exc.message_dict
    if NON_FIELD_ERRORS in errors:
        errors[api_settings.NON_FIELD_ERRORS_KEY] = errors.pop(NON_FIELD_ERRORS)
    return errors


def model_field(model, name: str, **kwargs) -> serializers.Field:
    """The serializer field that ModelSerializer would build for ``model``'s
    field ``name`` (its length, its rules), for a field the API names
    differently: without it, a value longer than the column reaches the
    database."""
    field_class, field_kwargs = RecordSerializer().build_standard_field(
        name, model._meta.get_field(name)
    )
    return field_class(**{**field_kwargs, "source": name, **kwargs})


PRECISION = serializers.ChoiceField(choices=DatePrecision.choices, required=False)


# -- states and reference records -----------------------------------------------


class StateSerializer(RecordSerializer):
    route = "state-detail"
    lookup = "iso2"

    def build_standard_field(self, field_name, model_field):
        field_class, field_kwargs = super().build_standard_field(field_name, model_field)
        if field_name in getattr(model_field.model, "partial_dates", ()):
            field_class = WrittenDateField
            field_kwargs["help_text"] = WRITTEN_DATE_HELP
        if field_name in ("iso2", "iso3"):
            # Codes are taken in either case and stored in upper case, which
            # the uniqueness check must see: "az" is Azerbaijan's "AZ".
            field_class = UpperCaseCharField
        return field_class, field_kwargs

    def validate(self, attrs):
        # A state's public code is its ISO alpha-2 code in lower case unless
        # given (a former state's: su, auh); one of the two is needed.
        code = attrs.get("code", self.instance.code if self.instance else "")
        iso2 = attrs.get("iso2", self.instance.iso2 if self.instance else None)
        if not code and not iso2:
            raise serializers.ValidationError(
                {
                    "code": [
                        "Give the state's public code (lower case, e.g. “su”), or its "
                        "ISO alpha-2 code, from which it is taken."
                    ]
                }
            )
        if not code:
            attrs["code"] = iso2.lower()
        return super().validate(attrs)

    class Meta:
        model = State
        fields = [
            "code",
            "iso2",
            "iso3",
            "iso_numeric",
            "cow_code",
            "name",
            "official_name",
            "slug",
            "capital",
            "region",
            "independence_on",
            "independence_on_precision",
            "summary",
            "is_published",
            "url",
            "html_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class StatePeriodSerializer(serializers.Serializer):
    # "from" is a Python keyword: the fields are named in ``get_fields``.
    def get_fields(self):
        return {
            "from": serializers.DateField(source="started_on", allow_null=True),
            "from_precision": serializers.CharField(source="started_on_precision"),
            "to": serializers.DateField(source="ended_on", allow_null=True),
            "to_precision": serializers.CharField(source="ended_on_precision"),
        }


class StateCodeSerializer(serializers.Serializer):
    scheme = serializers.CharField(help_text="iso2, iso3, iso4 (ISO 3166-3), cow, cowabb.")
    code = serializers.CharField()
    valid_from = serializers.DateField(allow_null=True)
    valid_to = serializers.DateField(allow_null=True, help_text="null while it is held.")


class SuccessionSerializer(serializers.Serializer):
    state = serializers.CharField(help_text="The other state's public code.")
    kind = serializers.CharField(
        help_text="continuation, dissolution, secession, unification, absorption."
    )
    on = serializers.DateField(allow_null=True)
    on_precision = serializers.CharField()


class StateDetailSerializer(StateSerializer):
    """One state (SPEC 3.9): with its periods, codes through time,
    predecessors and successors, which lists leave out to stay one query."""

    periods = StatePeriodSerializer(many=True, read_only=True)
    codes = StateCodeSerializer(many=True, read_only=True)
    predecessors = serializers.SerializerMethodField()
    successors = serializers.SerializerMethodField()

    class Meta(StateSerializer.Meta):
        fields = [*StateSerializer.Meta.fields, "periods", "codes", "predecessors", "successors"]

    @staticmethod
    def _succession(row, other) -> dict:
        return {
            "state": other.code,
            "kind": row.kind,
            "on": row.on,
            "on_precision": row.on_precision,
        }

    @extend_schema_field(SuccessionSerializer(many=True))
    def get_predecessors(self, state) -> list[dict]:
        rows = state.predecessions.filter(predecessor__is_published=True).select_related(
            "predecessor"
        )
        data = [self._succession(row, row.predecessor) for row in rows]
        return SuccessionSerializer(data, many=True).data

    @extend_schema_field(SuccessionSerializer(many=True))
    def get_successors(self, state) -> list[dict]:
        rows = state.successions.filter(successor__is_published=True).select_related("successor")
        data = [self._succession(row, row.successor) for row in rows]
        return SuccessionSerializer(data, many=True).data


class PersonSerializer(RecordSerializer):
    route = "person-detail"
    state = StateCodeField(required=False, allow_null=True)

    class Meta:
        model = Person
        fields = [
            "slug", "name", "state", "office", "summary", "is_published",
            "url", "html_url", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]


class OrganizationSerializer(PersonSerializer):
    route = "organization-detail"

    class Meta:
        model = Organization
        fields = [
            "slug", "name", "acronym", "kind", "state", "url_website", "summary",
            "is_published", "url", "html_url", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {}

    url_website = model_field(Organization, "url")


class SectorSerializer(RecordSerializer):
    route = "sector-detail"

    class Meta:
        model = Sector
        fields = ["slug", "name", "description", "is_published", "url", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def get_html_url(self, record) -> str:
        return ""


class SourceSerializer(RecordSerializer):
    route = "source-detail"

    class Meta:
        model = Source
        fields = [
            "slug", "title", "publisher", "author", "source_url", "published_on",
            "published_on_precision", "language", "text", "notes", "is_published",
            "url", "html_url", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]

    source_url = model_field(Source, "url")


# -- treaties --------------------------------------------------------------------


class PartySerializer(serializers.Serializer):
    """A party: the state (iso2, and its public code) with its membership dates."""

    state = StateCodeField(
        write_only=True, help_text="ISO alpha-2 code, e.g. “uz”, or a public code, e.g. “su”."
    )
    # A former state has no ISO code (the Soviet Union): ``code`` names every state.
    iso2 = serializers.CharField(source="state.iso2", read_only=True, allow_null=True)
    code = serializers.CharField(
        source="state.code",
        read_only=True,
        help_text="The state's public code (“uz”, “su”), the one ``state`` takes.",
    )
    name = serializers.CharField(source="state.name", read_only=True)
    url = serializers.SerializerMethodField()
    ratified_on = WrittenDateField(
        required=False,
        allow_null=True,
        help_text="Kept for earlier clients: given alone, it is consent by ratification. "
        + WRITTEN_DATE_HELP,
    )
    ratified_on_precision = serializers.ChoiceField(
        choices=DatePrecision.choices, required=False, default=DatePrecision.DAY
    )
    # Membership over time (SPEC 3.10); every date at its precision.
    consent_mode = serializers.ChoiceField(
        choices=ConsentMode.choices, required=False, allow_blank=True, default=""
    )
    consented_on = WrittenDateField(
        required=False,
        allow_null=True,
        help_text="When it consented to be bound (joined). " + WRITTEN_DATE_HELP,
    )
    consented_on_precision = serializers.ChoiceField(
        choices=DatePrecision.choices, required=False, default=DatePrecision.DAY
    )
    entry_into_force_on = WrittenDateField(
        required=False,
        allow_null=True,
        help_text="When the treaty entered into force for it. " + WRITTEN_DATE_HELP,
    )
    entry_into_force_on_precision = serializers.ChoiceField(
        choices=DatePrecision.choices, required=False, default=DatePrecision.DAY
    )
    left_on = WrittenDateField(
        required=False, allow_null=True, help_text="When its exit took effect. " + WRITTEN_DATE_HELP
    )
    left_on_precision = serializers.ChoiceField(
        choices=DatePrecision.choices, required=False, default=DatePrecision.DAY
    )
    exit_kind = serializers.ChoiceField(
        choices=ExitKind.choices, required=False, allow_blank=True, default=""
    )

    def get_url(self, row) -> str:
        return api_url(self.context.get("request"), "state-detail", iso2=row.state.code)

    def to_internal_value(self, data):
        return apply_written_dates(super().to_internal_value(data), data, TreatyParty.partial_dates)

    def validate(self, attrs):
        # A party is its state, in a PATCH too (where DRF asks for no field).
        if "state" not in attrs:
            raise serializers.ValidationError({"state": ["This field is required."]})
        # The membership's own rules (dates in order, an exit with its kind);
        # its dates against the treaty's signature are checked by the treaty.
        party = TreatyParty(**{name: attrs.get(name) for name in MEMBERSHIP_FIELDS})
        party.normalise_partial_dates()
        try:
            TreatyParty.validate_membership(party, None)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return attrs


def as_written(attrs: dict, current, name: str) -> PartialDate | None:
    """A record's date as this write leaves it (sent, else stored), at its
    precision: a state may be named on any day of a date known to the year."""
    value = attrs.get(name, getattr(current, name, None))
    precision = attrs.get(f"{name}_precision", getattr(current, f"{name}_precision", None))
    return PartialDate(value, precision or DatePrecision.DAY) if value else None


def states_existed(named: list[tuple[str, State, object]]) -> None:
    """A 400 for each state that was not a state on the record's date (SPEC
    3.9: no treaty of the Soviet Union dated 2000). ``named``: (field, state,
    date) triples; an undated one is not checked."""
    if errors := existence_errors(named):
        raise serializers.ValidationError(errors)


# A party row's fields the API reads and writes besides its state.
MEMBERSHIP_FIELDS = (
    "ratified_on", "ratified_on_precision", "consent_mode", "consented_on",
    "consented_on_precision", "entry_into_force_on", "entry_into_force_on_precision",
    "left_on", "left_on_precision", "exit_kind",
)  # fmt: skip


def sectors_field(attached_list: str | None = None):
    return SummaryRelatedField(
        SectorSummarySerializer,
        slug_field="slug",
        many=True,
        required=False,
        queryset=Sector.objects.all(),
        attached_list=attached_list,
    )


class CommitmentSerializer(serializers.Serializer):
    """A commitment (SPEC 3.11): its kind's stable value, where and what it says."""

    kind = KeyField(
        slug_field="value",
        queryset=CommitmentKind.objects.all(),
        help_text="A value of the vocabulary, e.g. defence, political_support.",
    )
    label = serializers.CharField(source="kind.label", read_only=True)
    article = model_field(Commitment, "article", required=False, source=None)
    quote = model_field(Commitment, "quote", required=False, source=None)
    source = KeyField(
        slug_field="slug",
        queryset=Source.objects.all(),
        required=False,
        allow_null=True,
        help_text="The source's slug.",
    )
    locator = model_field(Commitment, "locator", required=False, source=None)
    conditions = model_field(Commitment, "conditions", required=False, source=None)
    parties_bound = serializers.ListField(
        child=StateCodeField(),
        required=False,
        help_text=(
            "Public codes (a current state's ISO alpha-2 code) of the parties it binds "
            "when not all; empty: all."
        ),
    )

    def to_representation(self, commitment):
        source = commitment.source
        return {
            "kind": commitment.kind.value,
            "label": commitment.kind.label,
            "article": commitment.article,
            "quote": commitment.quote,
            # A draft source reads as none.
            "source": source.slug if source is not None and source.is_published else None,
            "locator": commitment.locator,
            "conditions": commitment.conditions,
            # By public code, as parties are named: a former state has no ISO code.
            "parties_bound": [state.code for state in commitment.parties_bound.all()],
        }


class ComparisonRowSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    cells = serializers.ListField(child=CommitmentSerializer(many=True))


class ComparisonSerializer(serializers.Serializer):
    """For the schema: treaties side by side (``/api/v1/treaties/compare/``)."""

    treaties = TreatySummarySerializer(many=True)
    rows = ComparisonRowSerializer(many=True)


def commitments_of(treaty) -> list[dict]:
    """A treaty's commitments: whole on its own page (``commitment_list``,
    prefetched by ``for_detail``), as kinds in list rows (``commitment_kinds``,
    attached by ``for_list``: no query per row)."""
    rows = getattr(treaty, "commitment_list", None)
    if rows is not None:
        return CommitmentSerializer(rows, many=True).data
    kinds = getattr(treaty, "commitment_kinds", None)
    if kinds is None:
        kinds = [row.kind for row in treaty.commitments.select_related("kind")]
    return [{"kind": kind.value, "label": kind.label} for kind in dict.fromkeys(kinds)]


class TreatySerializer(RecordSerializer):
    route = "treaty-detail"
    parties = PartySerializer(many=True, source="party_rows", required=False)
    sectors = sectors_field(attached_list="sector_list")  # attached by for_list
    # Written whole (the list as sent replaces the treaty's commitments); read
    # through ``commitments_of``.
    commitments = CommitmentSerializer(
        many=True, required=False, write_only=True, source="commitment_list"
    )

    class Meta:
        model = Treaty
        fields = [
            "slug", "title", "short_title", "kind", "status",
            "signed_on", "signed_on_precision", "place_signed",
            "entry_into_force_on", "entry_into_force_on_precision",
            "ended_on", "ended_on_precision",
            "parties", "sectors", "summary", "full_text_url", "is_published",
            "url", "html_url", "created_at", "updated_at", "commitments",
        ]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]

    def to_representation(self, treaty):
        data = super().to_representation(treaty)
        data["commitments"] = commitments_of(treaty)
        return data

    def validate(self, attrs):
        # Not a model field: the record's own validation leaves it out.
        commitments = attrs.pop("commitment_list", None)
        attrs = super().validate(attrs)
        if commitments is not None:
            attrs["commitment_list"] = commitments
        rows = attrs.get("party_rows")
        kind = attrs.get("kind", self.instance.kind if self.instance else Treaty().kind)
        if rows is not None:
            states = [row["state"] for row in rows]
            if twice := sorted({state.name for state in states if states.count(state) > 1}):
                listed = ", ".join(twice)
                raise serializers.ValidationError({"parties": [f"Listed twice: {listed}."]})
            count = len(rows)
        elif self.instance is not None:
            count = self.instance.treatyparty_set.count()
        else:
            count = 0
        try:
            Treaty.validate_party_count(kind, count)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"parties": exc.messages}) from exc
        if rows is None and self.instance is not None and "signed_on" in attrs:
            # A new date alone: the parties the treaty has must fit it too.
            rows = [
                {"state": party.state, **{name: getattr(party, name) for name in MEMBERSHIP_FIELDS}}
                for party in self.instance.treatyparty_set.select_related("state")
            ]
        if rows:
            self.validate_membership_dates(attrs, rows)
            # Each party existed on the date it joined, else the treaty's first
            # known date, and on each date it acted as a state (SPEC 3.9).
            written = (as_written(attrs, self.instance, name) for name in Treaty.codes_dates)
            dated = next(filter(None, written), None)
            named = []
            for row in rows:
                sent = {name: row[name] for name in MEMBERSHIP_FIELDS if name in row}
                party = TreatyParty(**sent)
                named.append(("parties", row["state"], party.partial("consented_on") or dated))
                named += [("parties", row["state"], on) for on in party.acting_dates()]
            states_existed(named)
        self.validate_bound(attrs.get("party_rows"), commitments)
        return attrs

    def validate_bound(self, rows, commitments):
        """A commitment binds parties only: those sent, or the treaty's; the
        commitments sent, or (when only the parties change) the treaty's."""
        if rows is None and commitments is None:
            return
        if rows is not None:
            parties = {row["state"].pk for row in rows}
        elif self.instance is not None:
            parties = set(self.instance.treatyparty_set.values_list("state_id", flat=True))
        else:
            parties = set()  # a new treaty sent without parties has none
        if commitments is not None:
            bound = [row.get("parties_bound") or [] for row in commitments]
            field = "commitments"
        elif self.instance is not None:
            bound = [list(c.parties_bound.all()) for c in self.instance.commitments.all()]
            field = "parties"
        else:
            return
        for states in bound:
            if message := Commitment.not_parties(states, parties):
                raise serializers.ValidationError({field: [message]})

    def validate_membership_dates(self, attrs, rows):
        """No party's date before the treaty's signature, nor a joining after
        its end (the dates sent, else the stored ones)."""
        treaty = Treaty(
            **{
                name: attrs.get(name, getattr(self.instance, name, None))
                for name in ("signed_on", "ended_on")
            },
            **{
                f"{name}_precision": attrs.get(
                    f"{name}_precision",
                    getattr(self.instance, f"{name}_precision", DatePrecision.DAY),
                )
                for name in ("signed_on", "ended_on")
            },
        )
        treaty.normalise_partial_dates()
        errors = {}
        for index, row in enumerate(rows):
            party = TreatyParty(**{name: row.get(name) for name in MEMBERSHIP_FIELDS})
            party.consent_from_ratification()
            party.normalise_partial_dates()
            try:
                TreatyParty.validate_membership(party, treaty)
            except DjangoValidationError as exc:
                errors[index] = exc.message_dict
        if errors:
            raise serializers.ValidationError(
                {"parties": [errors.get(index, {}) for index in range(len(rows))]}
            )

    @transaction.atomic
    def create(self, validated_data):
        rows = validated_data.pop("party_rows", [])
        sectors = validated_data.pop("sectors", None)
        commitments = validated_data.pop("commitment_list", None)
        treaty = Treaty.objects.create(**validated_data)
        self.save_commitments(treaty, commitments)
        self.save_relations(treaty, rows, sectors)
        return treaty

    @transaction.atomic
    def update(self, instance, validated_data):
        rows = validated_data.pop("party_rows", None)
        sectors = validated_data.pop("sectors", None)
        commitments = validated_data.pop("commitment_list", None)
        for key, value in validated_data.items():
            setattr(instance, key, value)
        instance.save()
        self.save_commitments(instance, commitments)
        self.save_relations(instance, rows, sectors)
        return instance

    def save_commitments(self, treaty, commitments):
        """The commitments as sent replace the treaty's (each save and delete
        is in its history and changes the data version)."""
        if commitments is None:
            return
        treaty.commitments.all().delete()
        for row in commitments:
            bound = row.pop("parties_bound", [])
            commitment = Commitment.objects.create(treaty=treaty, **row)
            if bound:
                commitment.parties_bound.set(bound)

    def save_relations(self, treaty, rows, sectors):
        if rows is not None:
            treaty.treatyparty_set.exclude(state__in=[row["state"] for row in rows]).delete()
            for row in rows:
                party, _ = TreatyParty.objects.get_or_create(treaty=treaty, state=row["state"])
                # The party as sent: a field left out is cleared.
                for name in MEMBERSHIP_FIELDS:
                    if name.endswith("_precision"):
                        default = DatePrecision.DAY
                    else:
                        default = "" if name in ("consent_mode", "exit_kind") else None
                    setattr(party, name, row.get(name, default))
                party.save()
        if sectors is not None:
            treaty.sectors.set(sectors)
        # Re-read so the response shows what was stored.
        fresh = Treaty.objects.for_list().get(pk=treaty.pk)
        treaty.party_rows = fresh.party_rows
        treaty.sector_list = fresh.sector_list
        treaty.commitment_kinds = fresh.commitment_kinds
        treaty.__dict__.pop("commitment_list", None)
        treaty.__dict__.pop("party_states", None)


class IdentifierSerializer(serializers.Serializer):
    scheme = serializers.CharField(read_only=True)
    scheme_name = serializers.CharField(read_only=True)
    value = serializers.CharField(read_only=True)


class TreatyDetailSerializer(TreatySerializer):
    identifiers = IdentifierSerializer(many=True, read_only=True, source="identifier_list")
    signatories = serializers.SerializerMethodField()
    organizations = serializers.SerializerMethodField()
    visit = serializers.SerializerMethodField()
    citations = serializers.SerializerMethodField()
    related = serializers.SerializerMethodField()
    projects = serializers.SerializerMethodField()

    class Meta(TreatySerializer.Meta):
        fields = [
            *TreatySerializer.Meta.fields,
            "signatories", "organizations", "visit", "citations", "related", "projects",
            "identifiers", "notes",
        ]  # fmt: skip

    @extend_schema_field(PersonSummarySerializer(many=True))
    def get_signatories(self, treaty):
        rows = getattr(treaty, "signatory_list", None)
        if rows is None:
            rows = treaty.signatories.filter(is_published=True)
        return PersonSummarySerializer(rows, many=True, context=self.context).data

    @extend_schema_field(OrganizationSummarySerializer(many=True))
    def get_organizations(self, treaty):
        rows = getattr(treaty, "organization_list", None)
        if rows is None:
            rows = treaty.organizations.filter(is_published=True)
        return OrganizationSummarySerializer(rows, many=True, context=self.context).data

    @extend_schema_field(VisitSummarySerializer(allow_null=True))
    def get_visit(self, treaty):
        visit = treaty.visit
        if visit is None or not visit.is_published:
            return None
        return VisitSummarySerializer(visit, context=self.context).data

    @extend_schema_field(CitationSerializer(many=True))
    def get_citations(self, treaty):
        rows = getattr(treaty, "citation_list", None)
        if rows is None:
            rows = treaty.citations.filter(source__is_published=True).select_related("source")
        return CitationSerializer(rows, many=True, context=self.context).data

    @extend_schema_field(
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "relation": {"type": "string"},
                    "treaty": {"type": "object"},
                },
            },
        }
    )
    def get_related(self, treaty):
        out = []
        for r in getattr(treaty, "relations_from_list", []):
            out.append(
                {
                    "relation": r.kind,
                    "treaty": TreatySummarySerializer(r.to_treaty, context=self.context).data,
                }
            )
        for r in getattr(treaty, "relations_to_list", []):
            out.append(
                {
                    "relation": f"{r.kind}_by",
                    "treaty": TreatySummarySerializer(r.from_treaty, context=self.context).data,
                }
            )
        return out

    @extend_schema_field(ProjectSummarySerializer(many=True))
    def get_projects(self, treaty):
        rows = getattr(treaty, "project_list", [])
        return ProjectSummarySerializer(rows, many=True, context=self.context).data


# -- visits and projects -------------------------------------------------------------


class VisitSerializer(RecordSerializer):
    route = "visit-detail"
    host = StateCodeField()
    guest = StateCodeField()
    principals = SummaryRelatedField(
        PersonSummarySerializer,
        slug_field="slug",
        many=True,
        required=False,
        queryset=Person.objects.all(),
    )

    class Meta:
        model = Visit
        fields = [
            "slug", "title", "kind", "level", "host", "guest", "principals",
            "start_on", "start_on_precision", "end_on", "end_on_precision", "city",
            "summary", "is_published", "url", "html_url", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        current = self.instance
        start = as_written(attrs, current, "start_on")
        states_existed(
            [
                (field, attrs.get(field, getattr(current, field, None)), start)
                for field in ("host", "guest")
                if attrs.get(field, getattr(current, field, None)) is not None
            ]
        )
        return attrs


class ProjectSerializer(RecordSerializer):
    route = "project-detail"
    states = StateCodeField(many=True, required=False)
    sectors = sectors_field()
    location_state = StateCodeField(required=False, allow_null=True)
    value_amount = AmountField(required=False, allow_null=True)

    class Meta:
        model = Project
        fields = [
            "slug", "name", "kind", "status", "states", "sectors", "city", "location_state",
            "value_amount", "value_currency", "value_note", "start_on", "start_on_precision",
            "completion_on", "completion_on_precision", "description", "is_published",
            "url", "html_url", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        current = self.instance
        start = as_written(attrs, current, "start_on")
        states = attrs.get("states", list(current.states.all()) if current else [])
        location = attrs.get("location_state", current.location_state if current else None)
        states_existed(
            [("states", state, start) for state in states] + [("location_state", location, start)]
        )
        return attrs
