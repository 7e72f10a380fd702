"""Form widgets that render in Python.

Django renders every widget through a template, and every <option> too; the
party list has 249 of them, which made the filter form cost more than the
rest of a list page together. The escaped options of a choice list are built
once and reused while the list is unchanged (a list with nothing selected is
one cached string); a request only marks its selected values. Inputs are one
``format_html`` each. The HTML is the same as Django's templates produce
(tests compare them).
"""

import re
from functools import lru_cache

from django import forms
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from markupsafe import escape

# All a number input's value may be: HTML's "valid floating-point number".
_HTML_NUMBER = re.compile(r"-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?")


class PlainChoices(tuple):
    """Choices already as (value, label) string pairs, flat: a widget can use
    them as they are, without normalizing and converting every pair."""


@lru_cache(maxsize=64)
def _options(choices: tuple[tuple[str, str], ...]) -> tuple[tuple, str]:
    """((value, '<option value="…"', '>label</option>'), …) for each choice,
    escaped, and the whole list with nothing selected."""
    options = tuple(
        (value, format_html('<option value="{}"', value), format_html(">{}</option>", label))
        for value, label in choices
    )
    return options, "".join(start + end for _, start, end in options)


def _plain(choices) -> tuple[tuple[str, str], ...]:
    """The choices as (value, label) strings: a ``PlainChoices`` as it is, found
    inside the wrappers that forms put around choices."""
    field, inner = getattr(choices, "field", None), getattr(choices, "choices", None)
    if field is not None and inner is not None:
        # django-filters' ChoiceIterator: the field's empty and null choices first.
        head = [("", str(field.empty_label))] if field.empty_label is not None else []
        if field.null_label is not None:
            head.append((str(field.null_value), str(field.null_label)))
        return (*head, *_plain(inner)) if head else _plain(inner)
    source = getattr(choices, "func", None)  # Django's CallableChoiceIterator
    if source is not None:
        choices = source()
    elif callable(choices):
        choices = choices()
    if isinstance(choices, PlainChoices):
        return choices
    return tuple(
        ("" if option_value is None else str(option_value), str(label))
        for option_value, label in choices
    )


def _attrs(attrs: dict) -> str:
    """Django's ``attrs.html``: in the given order, ``True`` bare, ``False`` left out."""
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _flatatt(attrs: dict) -> str:
    """Django's ``flatatt`` (escaped as Django escapes): name="value" pairs by
    name, then the bare ``True`` ones."""
    pairs = sorted((k, v) for k, v in attrs.items() if not isinstance(v, bool) and v is not None)
    bare = sorted(k for k, v in attrs.items() if v is True)
    return "".join(f' {conditional_escape(k)}="{conditional_escape(v)}"' for k, v in pairs) + (
        "".join(f" {conditional_escape(k)}" for k in bare)
    )


class FastSelectMixin:
    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        selected = {str(v) for v in self.format_value(value)}
        options, unselected = _options(_plain(self.choices))
        parts = [f'<select name="{conditional_escape(name)}"{_flatatt(final_attrs)}>']
        if selected:
            for option_value, start, end in options:
                parts.append(start)
                if option_value in selected:
                    parts.append(" selected")
                parts.append(end)
        else:
            parts.append(unselected)
        parts.append("</select>")
        return mark_safe("".join(parts))


class FastSelect(FastSelectMixin, forms.Select):
    pass


class FastSelectMultiple(FastSelectMixin, forms.SelectMultiple):
    pass


class FastInputMixin:
    """``<input>`` as Django's Jinja2 ``input.html`` writes it (escaped as
    Jinja2 escapes, by markupsafe; f-strings, as ``Markup.format`` cost more
    than the rest of the field)."""

    def render(self, name, value, attrs=None, renderer=None):
        attributes = _attrs(self.build_attrs(self.attrs, attrs))
        value = self.format_value(value)
        start = f'<input type="{escape(self.input_type)}" name="{escape(name)}"'
        if value is None:
            return mark_safe(f"{start}{attributes}>")
        return mark_safe(f'{start} value="{escape(value)}"{attributes}>')


class FastTextInput(FastInputMixin, forms.TextInput):
    pass


class FastNumberInput(FastInputMixin, forms.NumberInput):
    def format_value(self, value):
        # Typed text that is no number ("abc") is no number input's value
        # (invalid HTML; a browser shows the box empty): the field's error
        # says what was wrong.
        value = super().format_value(value)
        return value if value is None or _HTML_NUMBER.fullmatch(value) else None
