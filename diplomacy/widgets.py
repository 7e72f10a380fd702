"""Form widgets of the register's filter forms."""

import re

from django import forms

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
