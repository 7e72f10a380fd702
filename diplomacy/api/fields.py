"""Relation fields: written as a public key (iso2, slug), read as a compact summary."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.functional import cached_property
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS

from diplomacy.api.summaries import StateSummarySerializer
from diplomacy.models import State
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
    """A state named by its ISO alpha-2 code, in either case."""

    default_error_messages = {
        "does_not_exist": "Unknown state code “{value}”: use an ISO 3166-1 alpha-2 code.",
        "invalid": "Give a state as its ISO 3166-1 alpha-2 code, e.g. “uz”.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "iso2")
        kwargs.setdefault("queryset", State.objects.all())
        super().__init__(StateSummarySerializer, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or len(data) != 2 or not (data.isascii() and data.isalpha()):
            self.fail("invalid")
        return super().to_internal_value(data.upper())


class UpperCaseCharField(serializers.CharField):
    """Text taken in either case and kept in upper case, before any rule
    (a uniqueness check) looks at it."""

    def to_internal_value(self, data):
        return super().to_internal_value(data).upper()
