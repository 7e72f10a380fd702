"""Form widgets of the register's filter forms."""

import hashlib
import re

from django import forms
from django.core.cache import caches
from django.utils.safestring import mark_safe

from diplomacy.caching.stores import WIDGETS

# All a number input's value may be: HTML's "valid floating-point number".
HTML_NUMBER = re.compile(r"-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?")


class NumberInput(forms.NumberInput):
    """Django's number input, empty when the typed text is no number.

    ``year=abc`` comes back to the form as typed; ``value="abc"`` on a number
    input is invalid HTML (and a browser shows the box empty anyway): the
    field's error says what was wrong."""

    def format_value(self, value):
        value = super().format_value(value)
        return value if value is None or HTML_NUMBER.fullmatch(value) else None


class RememberedOptions:
    """A select that renders each distinct (choices, name, value, attrs) once
    per process: a state filter's 249 options cost a filtered list page more
    than its rows and queries together (Django builds a dict and renders a
    template per option). The key holds everything the HTML is made from,
    the choices themselves included (a digest of them), so it can never
    show another list's or another version's options. Flat choices only
    (no groups), as the filter forms have."""

    def render(self, name, value, attrs=None, renderer=None):
        made_of = repr(
            (
                type(self).__qualname__,
                type(renderer).__qualname__,
                self.template_name,
                name,
                value,
                sorted((attrs or {}).items()),
                sorted(self.attrs.items()),
                # A label may be lazy (its repr an address): as the page shows it.
                [(choice, str(label)) for choice, label in self.choices],
            )
        )
        key = "select:" + hashlib.blake2b(made_of.encode(), digest_size=16).hexdigest()
        store = caches[WIDGETS]
        html = store.get(key)
        if html is None:
            html = super().render(name, value, attrs, renderer)
            store.set(key, str(html))
        return mark_safe(html)


class RememberedSelect(RememberedOptions, forms.Select):
    pass


class RememberedSelectMultiple(RememberedOptions, forms.SelectMultiple):
    pass
