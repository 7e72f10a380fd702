"""Dates known only to the day, the month or the year.

A partial date is stored as two columns, ``<name>`` (a ``date``) and
``<name>_precision``. The date is normalised to the first day of its month or
year, so ordering and ``__year`` filters are correct at every precision.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import TruncMonth, TruncYear

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
        """Read a date as people write it (see :func:`parse_partial_date`); never empty."""
        value = parse_partial_date(text)
        if value is None:
            raise PartialDateError(f"“{text.strip()}” is not a date.")
        return value


class PartialDateError(ValueError):
    """A date that cannot be read; the message is written for the person who typed it."""


# The written forms the register reads, as one regular expression each. Month
# names are English, in full or abbreviated ("Aug", "Sept"); a year has four
# digits, so "23.08.24" is refused rather than guessed.
MONTH_NUMBERS = {
    **{name.lower(): number for number, name in enumerate(MONTHS, 1)},
    **{name[:3].lower(): number for number, name in enumerate(MONTHS, 1)},
    "sept": 9,
}
_MONTH = r"(?P<month_name>[A-Za-z]+)\.?"
WRITTEN_FORMS = [
    re.compile(pattern)
    for pattern in (
        # 2024, 2024-08, 2024-08-23
        r"^(?P<year>\d{4})(?:-(?P<month>\d{1,2})(?:-(?P<day>\d{1,2}))?)?$",
        r"^(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4})$",  # 23.08.2024
        r"^(?P<month>\d{1,2})\.(?P<year>\d{4})$",  # 08.2024
        rf"^{_MONTH},?\s+(?P<year>\d{{4}})$",  # August 2024, Aug 2024
        rf"^(?P<day>\d{{1,2}})\s+{_MONTH},?\s+(?P<year>\d{{4}})$",  # 23 August 2024
        rf"^{_MONTH}\s+(?P<day>\d{{1,2}}),?\s+(?P<year>\d{{4}})$",  # August 23, 2024
    )
]
WRITTEN_HELP = "2024, August 2024 (or Aug 2024, 2024-08), 23 August 2024, 23.08.2024 or 2024-08-23"


def parse_partial_date(text: str) -> PartialDate | None:
    """The one reader of written dates, for the admin, the API and the import.

    "2024" is known to the year, "August 2024" / "Aug 2024" / "2024-08" / "08.2024"
    to the month, "23 August 2024" / "23 Aug 2024" / "23.08.2024" / "2024-08-23"
    to the day. Empty text is no date. In the ISO form a zero means unknown, as
    the import has always read it: "0000" is no date, "2024-00" the year,
    "2024-08-00" the month. Raises :class:`PartialDateError` with a message
    naming what is wrong ("30 February 2024 does not exist.").
    """
    text = " ".join(text.split())
    if not text:
        return None
    for pattern in WRITTEN_FORMS:
        match = pattern.match(text)
        if match:
            break
    else:
        raise PartialDateError(f"“{text}” is not a date: write it as {WRITTEN_HELP}.")
    parts = match.groupdict()
    year = int(parts["year"])
    if parts.get("month_name") is not None:
        month = MONTH_NUMBERS.get(parts["month_name"].lower())
        if month is None:
            raise PartialDateError(
                f"“{parts['month_name']}” in “{text}” is not the name of a month (in English)."
            )
    else:
        month = int(parts["month"]) if parts.get("month") else None
    day = int(parts["day"]) if parts.get("day") else None
    if year == 0:
        return None
    if not 1 <= year <= datetime.MAXYEAR:  # pragma: no cover - four digits and not 0
        raise PartialDateError(f"“{text}”: the year is out of range.")
    if month is not None and month > 12:
        raise PartialDateError(f"“{text}”: there is no month {month}.")
    if not month:
        return PartialDate(datetime.date(year, 1, 1), DatePrecision.YEAR)
    if not day:
        return PartialDate(datetime.date(year, month, 1), DatePrecision.MONTH)
    try:
        return PartialDate(datetime.date(year, month, day), DatePrecision.DAY)
    except ValueError:
        raise PartialDateError(f"{day} {MONTHS[month - 1]} {year} does not exist.") from None


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


def in_order(earlier: datetime.date, later: datetime.date, later_precision: str) -> bool:
    """Whether ``later`` may follow ``earlier`` as it is known: joined on 15
    May 1995 and left "in 1995" are in order, left "in April 1995" is not.
    Both are normalised; the later date's first day is not before the
    earlier one's period at the later one's precision."""
    return later >= normalise(earlier, later_precision)


def dates_in_order_constraint(
    model_label: str, earlier: str, later: str, name: str, *, later_is_partial: bool = True
) -> models.CheckConstraint:
    """The later date, when both are known, is not before the earlier one, at
    the precision the later one is known to (``in_order``)."""
    in_order_at = [models.Q(**{f"{later}__gte": models.F(earlier)})]
    if later_is_partial:
        in_order_at += [
            models.Q(
                **{
                    f"{later}_precision": precision,
                    f"{later}__gte": trunc(earlier, output_field=models.DateField()),
                }
            )
            for precision, trunc in (
                (DatePrecision.MONTH, TruncMonth),
                (DatePrecision.YEAR, TruncYear),
            )
        ]
    condition = models.Q(**{f"{earlier}__isnull": True}) | models.Q(**{f"{later}__isnull": True})
    for each in in_order_at:
        condition |= each
    return models.CheckConstraint(condition=condition, name=f"diplomacy_{model_label}_{name}")


class PartialDatesMixin(models.Model):
    """Normalises and exposes the partial dates a model lists in ``partial_dates``.

    ``record.partial("signed_on")`` gives a :class:`PartialDate` or ``None``.
    """

    partial_dates: tuple[str, ...] = ()
    # The dates a record's state codes are read on, the first known one
    # (COW 365 is the Soviet Union in 1980, Russia in 2000): imports read
    # codes, and downloads write them, on the same date.
    codes_dates: tuple[str, ...] = ()

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

    def codes_date(self) -> PartialDate | None:
        """The date this record's state codes are read on (None: undated)."""
        return next((self.partial(name) for name in self.codes_dates if getattr(self, name)), None)

    def normalise_partial_dates(self) -> None:
        for field in self.partial_dates:
            precision = getattr(self, f"{field}_precision")
            setattr(self, field, normalise(getattr(self, field), precision))

    def clean_date_order(self, earlier: str, later: str, message: str) -> None:
        first, second = getattr(self, earlier), getattr(self, later)
        precision = getattr(self, f"{later}_precision") or DatePrecision.DAY
        if first and second and not in_order(first, second, precision):
            raise ValidationError({later: message})
