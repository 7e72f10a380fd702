"""Select widgets that render their options in Python.

Django renders every <option> through a template; the party list has 249 of
them, which made the form cost more than the rest of a list page together.
The escaped options of a choice list are built once and reused while the list
is unchanged; a request only marks its selected values.
"""

from functools import lru_cache

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe


@lru_cache(maxsize=64)
def _options(choices: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str, str], ...]:
    """(value, '<option value="…"', '>label</option>') for each choice, escaped."""
    return tuple(
        (value, format_html('<option value="{}"', value), format_html(">{}</option>", label))
        for value, label in choices
    )


class FastSelectMixin:
    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        selected = {str(v) for v in self.format_value(value)}
        choices = tuple(
            ("" if option_value is None else str(option_value), str(label))
            for option_value, label in self.choices
        )
        parts = [format_html('<select name="{}"{}>', name, flatatt(final_attrs))]
        for option_value, start, end in _options(choices):
            parts.append(start)
            if option_value in selected:
                parts.append(" selected")
            parts.append(end)
        parts.append("</select>")
        return mark_safe("".join(parts))


class FastSelect(FastSelectMixin, forms.Select):
    pass


class FastSelectMultiple(FastSelectMixin, forms.SelectMultiple):
    pass
