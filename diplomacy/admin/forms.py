"""Admin form parts: one text box per partial date, read as people write dates;
the rows an inline formset keeps."""

from django import forms
from django.core.exceptions import ValidationError

from diplomacy.partial_dates import WRITTEN_HELP, PartialDate, PartialDateError, parse_partial_date


class PartialDateField(forms.CharField):
    """A date typed as it is written: "2024", "August 2024", "23.08.2024"...

    Cleans to a :class:`PartialDate` (or ``None``); the precision is what was
    written, so the form has no precision drop-down.
    """

    def __init__(self, *, required=False, **kwargs):
        kwargs.setdefault("help_text", f"As it is known: {WRITTEN_HELP}.")
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"placeholder": "e.g. August 2024", "size": 18, "maxlength": 40}),
        )
        super().__init__(required=required, **kwargs)

    def prepare_value(self, value):
        # A date from the record is shown at its precision by the form's
        # initial data; a typed value is shown back as it was typed.
        return str(value) if isinstance(value, PartialDate) else value

    def has_changed(self, initial, data):
        try:
            return self.to_python(self.prepare_value(initial) or "") != self.to_python(data)
        except ValidationError:
            return True

    def to_python(self, value):
        text = super().to_python(value)
        try:
            return parse_partial_date(text)
        except PartialDateError as exc:
            raise ValidationError(str(exc), code="invalid_date") from exc


class PartialDatesFormMixin:
    """For a ModelForm of a model with ``partial_dates``: each date is one
    :class:`PartialDateField`, and its ``<name>_precision`` is derived from it.

    The precision columns stay out of the form (the admin's fieldsets leave
    them out), so they are set on the instance here, from what was typed.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        model = self._meta.model
        for name in getattr(model, "partial_dates", ()):
            if name not in self.fields:
                continue
            model_field = model._meta.get_field(name)
            old = self.fields[name]
            self.fields[name] = PartialDateField(
                required=old.required,
                label=old.label,
                help_text=f"{model_field.help_text} As it is known: {WRITTEN_HELP}.".strip(),
                disabled=old.disabled,
            )
            if self.instance.pk is not None and (known := self.instance.partial(name)):
                self.initial[name] = str(known)

    def clean(self):
        cleaned = super().clean()
        for name in getattr(self._meta.model, "partial_dates", ()):
            if name not in self.fields or name not in cleaned:
                continue
            value = cleaned[name]
            if isinstance(value, PartialDate):
                cleaned[name] = value.date
                setattr(self.instance, f"{name}_precision", value.precision)
        return cleaned


class PartialDatesModelForm(PartialDatesFormMixin, forms.ModelForm):
    """The form of an inline row with partial dates (a treaty's party)."""


def kept_forms(formset) -> list:
    """The rows of a cleaned inline formset that will be saved: filled in and
    not ticked for deletion. What a formset's ``clean`` checks across rows."""
    return [
        form for form in formset.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]
