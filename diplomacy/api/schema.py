"""OpenAPI schema: every operation documents the errors it can return, who
may call it, and the rules its parameters are checked against."""

import re

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django_filters import OrderingFilter
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS


class ErrorDetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


# A 400's body: each field or parameter named, with its messages.
FIELD_ERRORS = {
    "type": "object",
    "additionalProperties": True,
    "description": "Field name → list of messages.",
}
# What a key of a related record looks like: a state's ISO alpha-2 code (any
# case), any other record's slug.
STATE_CODE = "^[A-Za-z]{2,3}$"
SLUG = "^[-a-zA-Z0-9_]+$"
# A cursor is URL-safe base64, as the 'next' and 'previous' links give it.
CURSOR = "^[-A-Za-z0-9_]*$"
# The filters that name a related record by its key (SPEC section 4).
REFERENCE_FILTERS = {
    "party": STATE_CODE,
    "state": STATE_CODE,
    "host": STATE_CODE,
    "guest": STATE_CODE,
    "sector": SLUG,
    "person": SLUG,
}


class RegisterAutoSchema(AutoSchema):
    def get_auth(self):
        auths = super().get_auth()
        if self.method in SAFE_METHODS and {} not in auths:
            # Anyone reads: credentials are optional (they show drafts to staff).
            auths.append({})
        return auths

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        rules = self.parameter_rules()
        for parameter in operation.get("parameters", []):
            rule = rules.get(parameter["name"]) if parameter["in"] == "query" else None
            if rule and parameter["name"] in self.ordering_parameters():
                # Names the filter reads from one comma-separated string.
                parameter["schema"] = rule
                parameter.pop("explode", None)
                parameter.pop("style", None)
            elif rule:
                schema = parameter["schema"]
                if schema.get("format") == "date" and "pattern" in rule:
                    del schema["format"]  # an empty value is no filter: the pattern says
                schema.get("items", schema).update(rule)
        responses = operation.setdefault("responses", {})
        for code, (description, schema) in self.error_responses().items():
            # What the view documents itself (a 412, say) stays as it is.
            body = {"content": {"application/json": {"schema": {**schema}}}}
            responses.setdefault(code, {**body, "description": description})
        return operation

    def ordering_parameters(self) -> set[str]:
        filterset = getattr(self.view, "filterset_class", None)
        filters = filterset.base_filters.items() if filterset else ()
        return {name for name, filter_ in filters if isinstance(filter_, OrderingFilter)}

    def parameter_rules(self) -> dict[str, dict]:
        """JSON Schema for what a list's query parameters must hold, as its
        FilterSet's form fields check them: whole numbers and their bounds,
        lengths, patterns, the form of a related record's key."""
        rules: dict[str, dict] = {}
        if self.method != "GET" or getattr(self.view, "action", None) != "list":
            return rules
        rules["cursor"] = {"pattern": CURSOR}
        filterset = getattr(self.view, "filterset_class", None)
        if filterset is None:
            return rules
        for name, filter_ in filterset.base_filters.items():
            field = filter_.field
            rule = rules[name] = {}
            # (Django's decimal and float fields are integer fields too.)
            if isinstance(field, forms.IntegerField) and not isinstance(
                field, forms.DecimalField | forms.FloatField
            ):
                rule["type"] = "integer"
            if getattr(field, "max_length", None):
                rule["maxLength"] = field.max_length
            for validator in field.validators:
                if isinstance(validator, RegexValidator) and not validator.inverse_match:
                    rule["pattern"] = validator.regex.pattern
                elif isinstance(validator, MinValueValidator):
                    bounds = [validator.limit_value, rule.get("minimum", validator.limit_value)]
                    rule["minimum"] = max(bounds)
                elif isinstance(validator, MaxValueValidator):
                    bounds = [validator.limit_value, rule.get("maximum", validator.limit_value)]
                    rule["maximum"] = min(bounds)
            if isinstance(field, forms.DateField):
                # As the filter reads it: YYYY-MM-DD, or empty (no filter).
                rule["pattern"] = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
            if name in REFERENCE_FILTERS:
                rule.update(type="string", pattern=REFERENCE_FILTERS[name])
            if "pattern" in rule and not isinstance(field, forms.MultipleChoiceField):
                # An empty value is no filter, as in the list page's form.
                rule["pattern"] = f"^(?:{rule['pattern'].removeprefix('^').removesuffix('$')})?$"
            if isinstance(filter_, OrderingFilter):
                # Names separated by single commas (an empty name is a 400), or
                # nothing: the list's own order. One string with a pattern, since
                # an array of names cannot say "no names" apart from "one empty name".
                names = "|".join(re.escape(value) for value, _ in field.choices if value)
                rules[name] = {
                    "type": "string",
                    "pattern": f"^(?:(?:{names})(?:,(?:{names}))*)?$",
                    "description": filter_.label or "Which field to sort by.",
                }
        return rules

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
        if self.method not in SAFE_METHODS:
            errors["400"] = (
                "The data is invalid; the body names each field and rule.",
                FIELD_ERRORS,
            )
            errors["401"] = ("Authentication is required to write.", detail)
            errors["403"] = ("The account lacks the permission for this action.", detail)
        return errors
