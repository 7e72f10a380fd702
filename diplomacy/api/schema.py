"""OpenAPI schema: every operation documents the errors it can return."""

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


# A 400's body: each field or parameter named, with its messages.
FIELD_ERRORS = {
    "type": "object",
    "additionalProperties": True,
    "description": "Field name → list of messages.",
}


class RegisterAutoSchema(AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for code, (description, schema) in self.error_responses().items():
            # What the view documents itself (a 412, say) stays as it is.
            body = {"content": {"application/json": {"schema": {**schema}}}}
            responses.setdefault(code, {**body, "description": description})
        return operation

    def error_responses(self) -> dict[str, tuple[str, dict]]:
        """The errors this operation can answer with: status → (description, body schema)."""
        detail = self.resolve_serializer(ErrorDetailSerializer, "response").ref
        errors = {"429": ("Too many requests; retry after the Retry-After seconds.", detail)}
        if self.method == "GET" and getattr(self.view, "action", None) == "list":
            errors["400"] = (
                "A filter, the cursor or page_size is invalid; the body names each parameter.",
                FIELD_ERRORS,
            )
        elif "{" in self.path:
            errors["404"] = ("No published record has this key.", detail)
        if self.method not in ("GET", "HEAD", "OPTIONS"):
            errors["400"] = (
                "The data is invalid; the body names each field and rule.",
                FIELD_ERRORS,
            )
            errors["401"] = ("Authentication is required to write.", detail)
            errors["403"] = ("The account lacks the permission for this action.", detail)
        return errors
