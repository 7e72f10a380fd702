"""Relation fields: written as a public key (iso2, slug), read as a compact summary."""

from django.utils.functional import cached_property
from rest_framework import serializers

from diplomacy.models import State


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


class StateCodeField(SummaryRelatedField):
    """A state named by its ISO alpha-2 code, in either case."""

    default_error_messages = {
        "does_not_exist": "Unknown state code “{value}”: use an ISO 3166-1 alpha-2 code.",
        "invalid": "Give a state as its ISO 3166-1 alpha-2 code, e.g. “uz”.",
    }

    def __init__(self, **kwargs):
        from diplomacy.api.serializers import StateSummarySerializer

        kwargs.setdefault("slug_field", "iso2")
        kwargs.setdefault("queryset", State.objects.all())
        super().__init__(StateSummarySerializer, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or len(data) != 2 or not data.isascii():
            self.fail("invalid")
        return super().to_internal_value(data.upper())
