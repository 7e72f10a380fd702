"""OpenAPI schema: every operation documents the errors it can return."""

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class RegisterAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        errors = {"429": ("Too many requests; retry after the Retry-After seconds.", True)}
        if self.method == "GET" and self._is_list_view():
            errors["400"] = (
                "A filter, the cursor or page_size is invalid; the body names each parameter.",
                False,
            )
        elif "{" in self.path:
            errors["404"] = ("No published record has this key.", True)
        if self.method not in ("GET", "HEAD", "OPTIONS"):
            errors["400"] = ("The data is invalid; the body names each field and rule.", False)
            errors["401"] = ("Authentication is required to write.", True)
            errors["403"] = ("The account lacks the permission for this action.", True)
        for code, (description, is_detail) in errors.items():
            if code in bodies:
                continue
            if is_detail:
                body = self._get_response_for_code(ErrorDetailSerializer, code, direction=direction)
            else:
                body = {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "additionalProperties": True,
                                "description": "Field name → list of messages.",
                            }
                        }
                    }
                }
            body["description"] = description
            bodies[code] = body
        return bodies
