"""OpenAPI description of fields whose request and response shapes differ."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension

from diplomacy.api.schema import SLUG, STATE_CODE


class SummaryRelatedFieldExtension(OpenApiSerializerFieldExtension):
    """Written as the related record's key (state code or slug), read as its summary object."""

    target_class = "diplomacy.api.fields.SummaryRelatedField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        if direction == "request":
            key = self.target.slug_field
            return {
                "type": "string",
                "pattern": STATE_CODE if key == "code" else SLUG,
                "description": f"The related record's {key}.",
            }
        component = auto_schema.resolve_serializer(self.target.summary_class, direction)
        return component.ref
