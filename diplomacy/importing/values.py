"""Parsing of single cells: partial dates, state codes, choices, lists, money."""

import datetime
import functools
import re
from decimal import Context, Decimal, InvalidOperation

from diplomacy.choices import DatePrecision
from diplomacy.partial_dates import PartialDateError, parse_partial_date

LIST_SEPARATORS = re.compile(r"\s*[;|]\s*")


class CellError(ValueError):
    """A cell that cannot be read; the message is shown to the editor as it is.
    ``values`` are the (problem, value) pairs behind it, e.g. ("unknown codes",
    "300"), so that a report can count each value over the whole file."""

    def __init__(self, message: str, values: tuple[tuple[str, str], ...] = ()):
        super().__init__(message)
        self.values = tuple(values)


# A file of a million rows has some ten thousand dates: each is read once
# (a date that cannot be read is not kept: each of its cells is refused anew).
@functools.lru_cache(maxsize=16384)
def partial_date(text: str) -> tuple[datetime.date | None, str]:
    """A date as people write it, read by the register's one date reader
    (diplomacy.partial_dates.parse_partial_date): "2024", "2024-08", "August 2024",
    "23.08.2024", "2024-08-23"... Zeros mean unknown: '0000' is no date, month 0
    keeps only the year, day 0 keeps the month."""
    try:
        value = parse_partial_date(text)
    except PartialDateError as exc:
        raise CellError(str(exc)) from exc
    if value is None:
        return None, DatePrecision.DAY
    return value.date, value.precision


def split_list(text: str) -> list[str]:
    return [item for item in LIST_SEPARATORS.split(text.strip()) if item] if text.strip() else []


def choice(text: str, choices, field: str, default=None) -> str:
    value = text.strip().lower().replace(" ", "_").replace("-", "_")
    if not value:
        if default is None:
            raise CellError(f"A {field} is required.")
        return default
    values, labels = _choice_names(choices)
    if value in values:
        return value
    if value in labels:
        return labels[value]
    raise CellError(f"“{text}” is not a {field}; use one of: {', '.join(sorted(values))}.")


@functools.cache
def _choice_names(choices) -> tuple[frozenset[str], dict[str, str]]:
    # Read once per choices class: Django builds .values and .choices anew on each access.
    values = frozenset(str(v) for v in choices.values)
    labels = {str(label).lower().replace(" ", "_"): str(v) for v, label in choices.choices}
    return values, labels


def money(text: str, max_digits: int = 20, decimal_places: int = 2) -> Decimal | None:
    """An amount as a field of ``max_digits`` digits, ``decimal_places`` of
    them after the point, holds it (rounded to those places)."""
    text = text.strip().replace(",", "").replace("_", "").replace(" ", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise CellError(f"“{text}” is not an amount.") from exc
    # Decimal reads "nan" and "inf" too: no amount, and no order to compare.
    if not value.is_finite():
        raise CellError(f"“{text}” is not an amount: give a number.")
    if value < 0:
        raise CellError("An amount cannot be negative.")
    unit = Decimal(1).scaleb(-decimal_places)
    largest = Decimal(10) ** (max_digits - decimal_places) - unit
    too_large = f"The largest amount the register takes is {largest:,}."
    # Compared before rounding, which needs as many digits of precision as the
    # number has (1e30 to the cent exceeds any context's and raises), and
    # after it (…999.999 rounds up past the largest).
    if value > largest + unit:
        raise CellError(too_large)
    rounded = value.quantize(unit, context=Context(prec=max_digits + 1))
    if rounded > largest:
        raise CellError(too_large)
    return rounded
