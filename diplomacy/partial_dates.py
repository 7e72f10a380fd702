"""Dates known only to the day, the month or the year.

A partial date is stored as two columns, ``<name>`` (a ``date``) and
``<name>_precision``. The date is normalised to the first day of its month or
year, so ordering and ``__year`` filters are correct at every precision.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models

from diplomacy.choices import DatePrecision

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def normalise(value: datetime.date | None, precision: str) -> datetime.date | None:
    """The first day of the period the date stands for."""
    if value is None:
        return None
    if precision == DatePrecision.YEAR:
        return value.replace(month=1, day=1)
    if precision == DatePrecision.MONTH:
        return value.replace(day=1)
    return value


@dataclass(frozen=True, order=True)
class PartialDate:
    date: datetime.date
    precision: str = DatePrecision.DAY

    def __str__(self) -> str:
        """Human form at the known precision: '23 August 2024', 'August 2024', '2024'."""
        if self.precision == DatePrecision.YEAR:
            return str(self.date.year)
        if self.precision == DatePrecision.MONTH:
            return f"{MONTHS[self.date.month - 1]} {self.date.year}"
        return f"{self.date.day} {MONTHS[self.date.month - 1]} {self.date.year}"

    @property
    def iso(self) -> str:
        """ISO 8601 at the known precision: '2024-08-23', '2024-08', '2024'."""
        if self.precision == DatePrecision.YEAR:
            return f"{self.date.year:04d}"
        if self.precision == DatePrecision.MONTH:
            return f"{self.date.year:04d}-{self.date.month:02d}"
        return self.date.isoformat()

    @property
    def year(self) -> int:
        return self.date.year

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Read 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'."""
        parts = text.strip().split("-")
        try:
            numbers = [int(part) for part in parts]
            if len(numbers) == 1:
                return cls(datetime.date(numbers[0], 1, 1), DatePrecision.YEAR)
            if len(numbers) == 2:
                return cls(datetime.date(numbers[0], numbers[1], 1), DatePrecision.MONTH)
            if len(numbers) == 3:
                return cls(datetime.date(*numbers), DatePrecision.DAY)
        except ValueError:
            pass
        raise ValueError(f"{text!r} is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD.")


def precision_field(verbose_name: str) -> models.CharField:
    return models.CharField(
        verbose_name,
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        help_text="How much of the date is known: the day, only the month, or only the year.",
    )


def precision_constraint(model_label: str, field: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}_precision__in": DatePrecision.values}),
        name=f"diplomacy_{model_label}_{field}_precision_valid",
    )


def dates_in_order_constraint(
    model_label: str, earlier: str, later: str, name: str
) -> models.CheckConstraint:
    """The later date, when both are known, is not before the earlier one."""
    return models.CheckConstraint(
        condition=models.Q(**{f"{earlier}__isnull": True})
        | models.Q(**{f"{later}__isnull": True})
        | models.Q(**{f"{later}__gte": models.F(earlier)}),
        name=f"diplomacy_{model_label}_{name}",
    )


class PartialDatesMixin(models.Model):
    """Normalises and exposes the partial dates a model lists in ``partial_dates``.

    ``record.partial("signed_on")`` gives a :class:`PartialDate` or ``None``.
    """

    partial_dates: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.normalise_partial_dates()
        super().save(*args, **kwargs)

    def partial(self, field: str) -> PartialDate | None:
        value = getattr(self, field)
        if value is None:
            return None
        return PartialDate(value, getattr(self, f"{field}_precision"))

    def normalise_partial_dates(self) -> None:
        for field in self.partial_dates:
            precision = getattr(self, f"{field}_precision")
            setattr(self, field, normalise(getattr(self, field), precision))

    def clean_date_order(self, earlier: str, later: str, message: str) -> None:
        first, second = getattr(self, earlier), getattr(self, later)
        if first and second and second < first:
            raise ValidationError({later: message})
