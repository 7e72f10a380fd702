import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

# The characters json_script escapes, so a value can't close the <script> element.
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag
def jsonld(data):
    """A JSON-LD block; data only, so no Content Security Policy exception is needed."""
    if not data:
        return ""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_JSON_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))


@register.filter
def field_errors(filterset):
    """Form errors as (label, messages) pairs for the error summary."""
    form = filterset.form
    return [
        (form.fields[name].label if name in form.fields else name, errors)
        for name, errors in form.errors.items()
    ]


@register.filter
def level_slug(level):
    return {3: "alliance", 2: "strategic", 1: "diplomatic"}.get(int(level), "none")
