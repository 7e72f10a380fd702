"""Select widgets that render their options in Python.

Django renders every <option> through a template; the party list has 249 of
them, which made the form cost more than the rest of a list page together.
"""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe


class FastSelectMixin:
    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        selected = {str(v) for v in self.format_value(value)}
        parts = [format_html('<select name="{}"{}>', name, flatatt(final_attrs))]
        for option_value, label in self.choices:
            option_value = "" if option_value is None else str(option_value)
            parts.append(
                format_html(
                    '<option value="{}"{}>{}</option>',
                    option_value,
                    mark_safe(" selected") if option_value in selected else "",
                    label,
                )
            )
        parts.append("</select>")
        return mark_safe("".join(parts))


class FastSelect(FastSelectMixin, forms.Select):
    pass


class FastSelectMultiple(FastSelectMixin, forms.SelectMultiple):
    pass
