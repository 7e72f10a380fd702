"""Relation fields: written as a public key (iso2, slug), read as a compact summary;
strict scalar fields; partial dates written as people write them."""

import re

import pycountry
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from django.utils.functional import cached_property
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS

from diplomacy.api.summaries import StateSummarySerializer
from diplomacy.models import State
from diplomacy.models.projects import validate_currency
from diplomacy.partial_dates import WRITTEN_HELP, PartialDate, PartialDateError, parse_partial_date
from diplomacy.validators import reject_control_characters


class SummaryRelatedField(serializers.SlugRelatedField):
    """Accepts the related record's public key; returns its summary (key, name, URL)."""

    def __init__(self, summary_class, **kwargs):
        self.summary_class = summary_class
        super().__init__(**kwargs)

    def use_pk_only_optimization(self):
        return False

    @cached_property
    def summary(self) -> serializers.Serializer:
        # One summary serializer for every related record of the response:
        # building a ModelSerializer's fields costs more than using them.
        return self.summary_class(context=self.context)

    def to_representation(self, obj):
        return self.summary.to_representation(obj)

    def get_choices(self, cutoff=None):
        # The browsable API's form lists related records by their public key:
        # the summary this field returns is a dict, which cannot key a choice.
        queryset = self.get_queryset()
        if queryset is None:
            return {}
        if cutoff is not None:
            queryset = queryset[:cutoff]
        return {getattr(item, self.slug_field): self.display_value(item) for item in queryset}

    def run_validation(self, data=serializers.empty):
        # DRF reads "" as no record (an HTML form's empty choice); in JSON,
        # no record is null and "" is a key no record has.
        if data == "":
            self.fail("invalid")
        return super().run_validation(data)

    def to_internal_value(self, data):
        # No record's key holds a control character, and PostgreSQL refuses
        # to compare text with a NUL byte (a DataError, not "not found").
        try:
            reject_control_characters(data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return super().to_internal_value(data)

    @classmethod
    def many_init(cls, *args, attached_list: str | None = None, **kwargs):
        list_kwargs = {"child_relation": cls(*args, **kwargs)}
        for key in kwargs:
            if key in MANY_RELATION_KWARGS:
                list_kwargs[key] = kwargs[key]
        if attached_list is None:
            return serializers.ManyRelatedField(**list_kwargs)
        return AttachedListField(attached_list=attached_list, **list_kwargs)


class KeyField(serializers.SlugRelatedField):
    """A related record by its key (a slug, a vocabulary value), refused with a
    400 when it is no text a key can hold: not text, a control character (a
    NUL PostgreSQL cannot compare), or a lone surrogate (no UTF-8 for it)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            data.encode()
            reject_control_characters(data)
        except UnicodeEncodeError as exc:
            raise serializers.ValidationError("Not valid text (a lone surrogate).") from exc
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return super().to_internal_value(data)


class AttachedListField(serializers.ManyRelatedField):
    """A to-many field that reads the published list a queryset attached to
    each record (``sector_list``, by ``with_links``) when there is one,
    instead of asking the relation again for every record."""

    def __init__(self, *, attached_list: str, **kwargs):
        self.attached_list = attached_list
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        attached = getattr(instance, self.attached_list, None)
        if attached is not None:
            return attached
        return super().get_attribute(instance)


class StateCodeField(SummaryRelatedField):
    """A state named by its public code in either case: a current state's ISO
    alpha-2 code, or a former state's (su, auh)."""

    default_error_messages = {
        "does_not_exist": "Unknown state code “{value}”: use an ISO 3166-1 alpha-2 code.",
        "invalid": "Give a state as its ISO 3166-1 alpha-2 code, e.g. “uz”.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        kwargs.setdefault("queryset", State.objects.all())
        super().__init__(StateSummarySerializer, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or len(data) not in (2, 3):
            self.fail("invalid")
        if not (data.isascii() and data.isalpha()):
            self.fail("invalid")
        return super().to_internal_value(data.lower())


# -- JSON types, strictly --------------------------------------------------------------
# DRF takes "true" or 1 for a boolean and 12 for a text, as an HTML form sends
# every value as text. The API takes JSON, whose types the schema names: a value
# of another type is refused as the schema says it is.


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class TextOnly:
    """A text field that takes text only (not a number), at most ``max_length``
    characters as sent (DRF would count them once surrounding spaces are cut)."""

    def run_validation(self, data=serializers.empty):
        if data is not serializers.empty and data is not None:
            if not isinstance(data, str):
                self.fail("invalid")
            if self.max_length is not None and len(data) > self.max_length:
                self.fail("max_length", max_length=self.max_length)
        return super().run_validation(data)


class StrictCharField(TextOnly, serializers.CharField):
    pass


class StrictSlugField(TextOnly, serializers.SlugField):
    pass


class StrictURLField(TextOnly, serializers.URLField):
    pass


class StrictEmailField(TextOnly, serializers.EmailField):
    pass


# What text may hold, as JSON Schema patterns: no control character but tab,
# line feed and CR LF (``reject_control_characters``); and, where text may not be
# blank, one character that is neither that nor a space (surrounding spaces are cut).
TEXT_CHARACTER = r"(?:[^\x00-\x08\x0b-\x1f\x7f-\x9f]|\r\n)"
VISIBLE_CHARACTER = r"[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
TEXT = rf"^{TEXT_CHARACTER}+$"
# The currencies ``validate_currency`` knows (ISO 4217, by pycountry).
CURRENCIES = "|".join(sorted(currency.alpha_3 for currency in pycountry.currencies))
CURRENCY_CODE = f"^(?:{CURRENCIES})$"
NON_BLANK_TEXT = rf"^{TEXT_CHARACTER}*{VISIBLE_CHARACTER}{TEXT_CHARACTER}*$"


class DocumentedRule(RegexValidator):
    """A validator whose rule the API schema shows as ``regex`` (drf-spectacular
    documents a ``RegexValidator``'s pattern), checked by ``rule``, whose
    messages the API gives as they are."""

    def __init__(self, regex: str, rule):
        super().__init__(regex)
        self.rule = rule

    def __call__(self, value):
        self.rule(value)


def currency_rule(value) -> None:
    validate_currency(value)
    reject_control_characters(value)


def documented_validators(validators: list, *, blank: bool) -> list:
    """``validators`` with the text rules as ``DocumentedRule``s. (A blank
    value is not validated: only text with characters meets ``TEXT``.)"""
    if validate_currency in validators:
        rest = [v for v in validators if v not in (validate_currency, reject_control_characters)]
        return [*rest, DocumentedRule(CURRENCY_CODE, currency_rule)]
    text = TEXT if blank else NON_BLANK_TEXT
    return [
        DocumentedRule(text, reject_control_characters) if v is reject_control_characters else v
        for v in validators
    ]


class UpperCaseCharField(TextOnly, serializers.CharField):
    """Text taken in either case and kept in upper case, before any rule
    (a uniqueness check) looks at it."""

    def to_internal_value(self, data):
        return super().to_internal_value(data).upper()


# An amount as text: whole units and at most two decimals, never negative.
AMOUNT = r"^\d{1,18}(?:\.\d{1,2})?$"


@extend_schema_field({"type": "string", "format": "decimal", "pattern": AMOUNT})
class AmountField(serializers.DecimalField):
    """A money amount, given and shown as text such as "1500000.00" (DRF
    would also take a number, "1e3" or " 5 ")."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=20, decimal_places=2, min_value=0, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not re.fullmatch(AMOUNT, data):
            self.fail("invalid")
        return super().to_internal_value(data)


WRITTEN_DATE_HELP = (
    "Read back as an ISO date (the first day of its month or year when only that is "
    "known) with its `_precision`. Written as an ISO date (its precision is then the "
    "`_precision` field's, day by default) or as people write dates, which sets the "
    f"precision: {WRITTEN_HELP}."
)


@extend_schema_field({"type": "string", "example": "2024-08-23"})
class WrittenDateField(serializers.DateField):
    """A partial date: an ISO date as before, or a date as people write it
    ("August 2024"), read by the register's one date reader into a
    :class:`PartialDate` that :func:`apply_written_dates` splits into date and precision."""

    def to_internal_value(self, value):
        if isinstance(value, str) and not ISO_DAY.match(value.strip()) and value.strip():
            try:
                return parse_partial_date(value)
            except PartialDateError as exc:
                raise serializers.ValidationError(str(exc), code="invalid") from exc
        return super().to_internal_value(value)


ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def apply_written_dates(attrs: dict, data, names) -> dict:
    """Each written date of ``names`` in ``attrs`` becomes its date and precision.
    A precision sent with it must agree: "August 2024" is not known to the day."""
    errors = {}
    for name in names:
        value = attrs.get(name)
        if not isinstance(value, PartialDate):
            continue
        precision = f"{name}_precision"
        sent = data.get(precision) if hasattr(data, "get") else None
        if sent not in (None, "") and sent != value.precision:
            errors[name] = [
                f"“{data.get(name)}” is known to the {value.precision}, "
                f"but {precision} says {sent}: send one or the other."
            ]
            continue
        attrs[name] = value.date
        attrs[precision] = value.precision
    if errors:
        raise serializers.ValidationError(errors)
    return attrs
