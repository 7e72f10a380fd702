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


class RememberedCheckboxes(RememberedOptions, forms.CheckboxSelectMultiple):
    """A fixed vocabulary (kind, status) as checkboxes: each visible at once,
    chosen with a click or the space bar, where a multiple select needs Ctrl."""


class StateNameInputs(forms.Widget):
    """Text inputs for states, each taking a name or a public code, with the
    page's ``<datalist>`` of every published state as suggestions: the browser
    filters it as one types, a type-ahead that needs no script of ours.

    ``multiple``: one input per state chosen plus an empty one, at least
    ``MIN_INPUTS``; without script a reader applies the form for more, with it
    ``static/js/filters.js`` adds inputs. ``display`` maps a code to what the
    input shows (the state's name), ``item_label`` labels each input."""

    MIN_INPUTS = 2
    datalist_id = "state-names"
    template_name = "diplomacy/widgets/state_inputs.html"

    def __init__(self, attrs=None, *, multiple=False, item_label="State", max_inputs=10):
        super().__init__(attrs)
        self.multiple = multiple
        self.item_label = item_label
        self.max_inputs = max_inputs
        self.display = lambda code: code

    @property
    def use_fieldset(self) -> bool:
        # Several inputs share the field's name: a legend names the group.
        return self.multiple

    def value_from_datadict(self, data, files, name):
        if not self.multiple:
            return data.get(name)
        values = data.getlist(name) if hasattr(data, "getlist") else data.get(name)
        if isinstance(values, str):
            values = [values]
        # The inputs a reader left empty choose nothing.
        return [value for value in values or () if str(value).strip()]

    def id_for_label(self, id_):
        return f"{id_}_0" if self.multiple and id_ else id_

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        base_id = widget["attrs"].pop("id", None)
        common = {
            "list": self.datalist_id,
            "autocomplete": "off",
            "spellcheck": "false",
            **widget["attrs"],
        }
        if self.multiple:
            values = [v for v in (value or ()) if v]
            count = min(self.max_inputs, max(self.MIN_INPUTS, len(values) + 1))
            values = (values + [""] * count)[:count]
        else:
            values = [value or ""]
        widget.update(
            multiple=self.multiple,
            max_inputs=self.max_inputs,
            item_label=self.item_label,
            inputs=[
                {
                    "value": self.display(chosen) if chosen else "",
                    "attrs": {
                        **common,
                        "id": (f"{base_id}_{index}" if self.multiple else base_id)
                        if base_id
                        else False,
                    },
                }
                for index, chosen in enumerate(values)
            ],
        )
        return context
